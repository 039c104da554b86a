import * as restate from '@restatedev/restate-sdk';
import { TerminalError as RatchetTerminalError, deserializeError, type RatchetError, type SerializedError } from '@ratchet/core';

/** The failure metadata key: the serialized Ratchet error, plus the facts a journal entry shows. */
const metadataKey = 'ratchet';

export interface FailureFacts {
  input: unknown;
  inputDigest: string;
  attempts: number;
  startedAt: number;
  completedAt: number;
  execution: number;
}

/** What the driver does with a failed attempt of a step. */
export type FailureAction =
  /** Non-retryable: journaled as the step's failed result and thrown into the agent. */
  | { action: 'fail'; facts: FailureFacts }
  /** Retryable with attempts left: Restate retries the invocation after `delayMs` (server-side timer). */
  | { action: 'retry'; delayMs: number }
  /** Retryable with no attempts left: Restate pauses the invocation; redrive resumes it. */
  | { action: 'dead-letter'; stepId: string; attempts: number };

/**
 * The one mapping from a Ratchet error to Restate's forms, thrown from a `ctx.run` closure:
 * a `TerminalError` (journaled, never retried) carrying the serialized error in its metadata, a
 * `RetryableError` with the policy's delay, or a `PauseError` (the invocation parks, nothing is
 * journaled for the step, and `resume` re-runs it: Ratchet's dead letter).
 */
export function toRestateError(error: SerializedError, failure: FailureAction): Error {
  switch (failure.action) {
    case 'fail':
      return new restate.TerminalError(error.message, { metadata: { [metadataKey]: JSON.stringify({ ...failure.facts, error }) } });
    case 'retry':
      return new restate.RetryableError(error.message, { retryAfter: failure.delayMs });
    case 'dead-letter':
      // `PauseError.from` returns a RetryableError in SDK 1.17.2, so construct it directly.
      return new restate.PauseError(`${failure.stepId} dead-lettered after ${failure.attempts} attempt(s): ${error.message}`);
  }
}

/** The Ratchet error behind a `ctx.run` failure, live or replayed from the journal. */
export function fromRestateFailure(error: unknown): RatchetError | unknown {
  if (!(error instanceof restate.TerminalError)) return error;
  const facts = failureFacts(error.metadata);
  if (facts) return deserializeError(facts.error);
  // Not ours (a cancellation, say): still terminal for the agent.
  return new RatchetTerminalError(error.message, { data: { restateCode: error.code } });
}

/** The facts a failed step journaled, from the failure's metadata (live error or journal entry). */
export function failureFacts(metadata: Record<string, string> | undefined): (FailureFacts & { error: SerializedError }) | undefined {
  const raw = metadata?.[metadataKey];
  return raw === undefined ? undefined : (JSON.parse(raw) as FailureFacts & { error: SerializedError });
}
