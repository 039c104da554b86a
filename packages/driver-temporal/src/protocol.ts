// Names and payload shapes shared by the workflow (in the sandbox), the activity (on the worker) and
// the client (reading history back). Types and constants only, so every side can import it.
import type { CompensationRecord, EffectTarget, JournalEntry, PendingSignal, RetryPolicy, RunOptions, SeededJournal, SerializedError, StepKind } from '@ratchet/core';

/** The one registered activity: every step, tool, completion and compensation runs through it. */
export const effectActivityName = 'ratchetEffect';

/** Reads a page of the journal a continued run carries on from (the run it continues as new). */
export const journalPageActivityName = 'ratchetJournalPage';

/** Sent by `redrive`; the parked workflow reschedules the step it stopped at. */
export const redriveSignalName = '__ratchet_redrive';

/** Sent by `requestMigration` with a `MigrateRequest`; the run stops at its next safe point. */
export const migrateSignalName = '__ratchet_migrate';

export interface MigrateRequest {
  /** The driver the run moves to. */
  to: string;
}

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

/**
 * `ApplicationFailure.type` of a run stopped because its code no longer matches the journal it
 * carried over from earlier runs (continue-as-new); the one detail is the `NonDeterminismError`.
 */
export const runDivergedType = 'RatchetRunDiverged';

/**
 * `ApplicationFailure.type` of a run that stopped at a safe point because it was asked to migrate;
 * the one detail is its `MigrationRecord`. It reads back as a `migrated` run.
 */
export const runMigratedType = 'RatchetRunMigrated';

/** Temporal's documented code for a nondeterminism error, at the start of its failure message. */
export const nondeterminismCode = '[TMPRL1100]';

/** The single argument of every agent workflow. The workflow type is the agent's name. */
export interface RunArgs {
  input: unknown;
  seed: string;
  options?: RunOptions;
  /**
   * Set on a run that continues another run's journal (import, migration, fork). Every run of its
   * chain keeps it: its entries are the start of the journal, always answered from here. Its
   * signals and open wait are the first run's to deliver and resume; a continued run finds what
   * became of them in `continued` and in the journal it carries.
   */
  seeded?: SeededJournal;
  /** Set on a run that continues an earlier one of its chain (continue-as-new). */
  continued?: ContinuedRun;
}

/** What a run carries into the next one of its chain: what its journal does not hold. */
export interface ContinuedRun {
  /** Temporal run ids of the earlier runs, oldest first; the last one is the run continued. */
  runs: string[];
  /** Signals received and not consumed yet, in arrival order. */
  signals: PendingSignal[];
}

export interface JournalPageRequest {
  workflowId: string;
  /** The Temporal run id of the run continued. */
  runId: string;
  /** The first position of the page. */
  from: number;
}

/** Part of the journal up to the end of the run continued: its earlier entries (loaded) and its own. */
export interface JournalPage {
  /** Entries from `from` on, in position order and without their input (agent code never reads it). */
  entries: JournalEntry[];
  /** Where the next page starts, or null after the last. */
  next: number | null;
  /** Workflow tasks of the chain up to the end of the run continued. */
  executions: number;
  /** When the chain's first run started. */
  createdAt: number;
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

/**
 * A journal entry the workflow records itself, as it appears in history: a now, a signal or a sleep,
 * or an effect refused before it was scheduled (its input over the payload limit: no input then).
 */
export interface RecordedEntry {
  position: number;
  stepId: string;
  kind: StepKind;
  name: string;
  input: unknown;
  inputDigest?: string;
  output?: unknown;
  error?: SerializedError;
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
  /** A run continues as new at the first step boundary after its own history passes either. */
  continueAsNewAfterEvents: number;
  continueAsNewAfterBytes: number;
  /** Large payloads go to a payload store at the PayloadCodec: no step is held to Temporal's payload limit here. */
  offloadsPayloads: boolean;
}
