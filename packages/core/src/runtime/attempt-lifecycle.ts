import { retryDelayMs, type RetryPolicy } from '../declarations/retry-policy.ts';
import { serializeError, type SerializedError } from '../errors/ratchet-error.ts';
import { crashedAttemptsError } from './worker-crash.ts';

/**
 * What becomes of an effect's attempt, decided once here for every driver; a driver only maps the
 * decision onto its engine (a journal row and a timer, a Restate terminal or retryable error, an
 * Inngest `RetryAfterError`, a Temporal activity failure).
 *
 * - `fail`: a terminal error. Journal it as the step's outcome and throw it into the agent, which
 *   may catch it; a replay throws the journaled error again.
 * - `retry`: a retryable error with attempts left. Run the attempt again after `delayMs` (never
 *   before the error's `retryAfterMs`).
 * - `dead-letter`: the attempts ran out, or the earlier ones crashed their workers. Park the run at
 *   this step with its journal intact; a redrive runs the step again with fresh attempts.
 */
export type AttemptDecision =
  | { action: 'fail'; error: SerializedError }
  | { action: 'retry'; error: SerializedError; delayMs: number }
  | { action: 'dead-letter'; error: SerializedError };

/**
 * Before attempt `attempt` (1-based, counted before it runs) starts. An attempt number past
 * `maxAttempts` means the earlier attempts ended with their worker dying before an outcome was
 * recorded (crashed attempts count, so a step that kills its worker cannot crash-loop): the run is
 * dead-lettered with the last recorded error, or a `worker-crash` error. `undefined`: run it.
 */
export function admitAttempt(stepId: string, attempt: number, retry: RetryPolicy, lastError?: SerializedError | null): AttemptDecision | undefined {
  if (attempt <= retry.maxAttempts) return undefined;
  return { action: 'dead-letter', error: lastError ?? crashedAttemptsError(stepId, attempt - 1) };
}

/** After attempt `attempt` threw `error` (which is serialized here, once). */
export function decideAttempt(error: unknown, attempt: number, retry: RetryPolicy): AttemptDecision {
  const serialized = serializeError(error);
  if (!serialized.retryable) return { action: 'fail', error: serialized };
  if (attempt >= retry.maxAttempts) return { action: 'dead-letter', error: serialized };
  return { action: 'retry', error: serialized, delayMs: retryDelayMs(retry, attempt, serialized.retryAfterMs) };
}
