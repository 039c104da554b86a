// Names and payload shapes shared by the workflow (in the sandbox), the activity (on the worker) and
// the client (reading history back). Types and constants only, so every side can import it.
import type { CompensationRecord, EffectTarget, RetryPolicy, SerializedError, StepKind, RunOptions } from '@ratchet/core';

/** The one registered activity: every step, tool, completion and compensation runs through it. */
export const effectActivityName = 'ratchetEffect';

/** Sent by `redrive`; the parked workflow reschedules the step it stopped at. */
export const redriveSignalName = '__ratchet_redrive';

/** Memo keys the workflow writes (each upsert is a `WorkflowPropertiesModified` event in history). */
export const memoKeys = {
  /** Set at start: lets a second start with the same run id detect a different input. */
  inputDigest: 'ratchet.inputDigest',
  /** Set while the run is parked after a step ran out of retries; cleared on redrive. */
  deadLetter: 'ratchet.deadLetter',
  /** A journal entry with no activity behind it (now, signal, sleep); each upsert is one entry. */
  entry: 'ratchet.entry',
} as const;

/** `ApplicationFailure.type` of a failed run (the agent threw); details hold `RunFailureDetails`. */
export const runFailedType = 'RatchetRunFailed';

/** Temporal's documented code for a nondeterminism error, at the start of its failure message. */
export const nondeterminismCode = '[TMPRL1100]';

/** The single argument of every agent workflow. The workflow type is the agent's name. */
export interface RunArgs {
  input: unknown;
  seed: string;
  options?: RunOptions;
}

export interface EffectRequest {
  runId: string;
  position: number;
  stepId: string;
  kind: StepKind;
  name: string;
  target: EffectTarget;
  input: unknown;
  /** For `nextRetryDelay` when an error carries `retryAfterMs`. */
  retry: RetryPolicy;
}

export interface EffectResponse {
  output: unknown;
  compensable: boolean;
}

/** A journal entry the workflow records itself (now, signal, sleep), as it appears in history. */
export interface RecordedEntry {
  position: number;
  stepId: string;
  kind: StepKind;
  name: string;
  input: unknown;
  output: unknown;
  startedAt: number;
  completedAt: number;
}

export interface DeadLetterMemo {
  stepId: string;
  error: SerializedError;
}

export interface RunFailureDetails {
  error: SerializedError;
  compensations: CompensationRecord[];
}

/** Worker-side settings baked into the generated workflow entry. */
export interface WorkflowSettings {
  activityStartToCloseTimeoutMs: number;
  activityHeartbeatTimeoutMs: number;
}
