import { z } from 'zod';
import { EngineDataError, runOptionsSchema, seededJournalSchema, type JournalEntry, type OpenWait, type SerializedError } from '@ratchet/core';

/**
 * What Ratchet stores on the Inngest server, and under which names. Everything the driver needs to
 * read back (the journal, a dead-letter, a wait's deadline) is the output of a `step.run`, so the
 * server's own record of the run is the only store: no side database, on Inngest Cloud too.
 */

/**
 * A journal entry, stored as the output of the `step.run` that produced it: in runs of journal
 * version 1 always, in runs of version 2 only when the compact form cannot hold it (stored-entry.ts).
 */
export interface EntryRecord {
  ratchet: 'entry';
  entry: JournalEntry;
  /** For a received signal: the id of the signal event it consumed (so it is consumed once). */
  signalEventId?: string;
}

/** A step whose attempts ran out: the run is parked until a redrive event names `incident`. */
export interface DeadLetterRecord {
  ratchet: 'dead-letter';
  incident: string;
  stepId?: string;
  error: SerializedError;
  execution: number;
  at: number;
}

/** The start of a sleep or a signal wait: its journaled deadline, so a restart neither restarts nor skips it. */
export interface DeadlineRecord {
  ratchet: 'deadline';
  position: number;
  stepId: string;
  startedAt: number;
  deadline: number | null;
  execution: number;
}

/**
 * One look into the events the server keeps for a run (signals, redrives, migration requests): what
 * it found, and when. `migration` set: the run stops here, in its wait.
 */
export interface LookupRecord {
  ratchet: 'lookup';
  event?: { internalId: string; data: Record<string, unknown> };
  migration?: MigrationRequest;
  at: number;
  execution: number;
}

/**
 * The output of an effect or `now` step that found a migration request before it ran: the step ran
 * nothing, and the run ends as migrated. Memoized like any output, so a replay stops there again.
 */
export interface MigrationStopRecord {
  ratchet: 'migration-stop';
  stepId: string;
  to: string;
  at: number;
  execution: number;
}

/**
 * The output of an effect's attempt step whose request followed a failed one (an error, a worker
 * that died, or one that never got the request): that attempt ended without an outcome, and attempt
 * `attempt` runs next, as step `{id}@attempt#{attempt}`. Counting here rather than by Inngest's own
 * attempt number counts a streak of failed requests once: Inngest's number also counts requests that
 * never reached a worker (one being restarted), which must not use up a step's retry policy.
 * Runs journaled before attempts were chained hold these as record steps `{id}@retry#{n}` of their
 * own, before the attempt step `{id}`.
 */
export interface AttemptRecord {
  ratchet: 'attempt';
  stepId: string;
  attempt: number;
  execution: number;
}

export type RatchetRecord = EntryRecord | DeadLetterRecord | DeadlineRecord | LookupRecord | AttemptRecord | MigrationStopRecord;

export function isRatchetRecord(value: unknown): value is RatchetRecord {
  return typeof value === 'object' && value !== null && typeof (value as { ratchet?: unknown }).ratchet === 'string';
}

/** Event names, all under the app id so two deployments can share one server. */
export const eventNames = {
  /** Starts a run; every agent's function is triggered by `{app}/start/*` and filters on its agent. */
  start: (app: string, runId: string) => `${app}/start/${runId}`,
  startTrigger: (app: string) => `${app}/start/*`,
  /** Signals of one run, kept by the server: the buffer that waits read before they block. */
  signal: (app: string, runId: string) => `${app}/signal/${runId}`,
  redrive: (app: string, runId: string) => `${app}/redrive/${runId}`,
  /** Migration requests of one run: read by the runs' hosts, waited on by sleeps, and the trigger of the notice function. */
  migrate: (app: string, runId: string) => `${app}/migrate/${runId}`,
  migrateTrigger: (app: string) => `${app}/migrate/*`,
};

/**
 * The name of the wake-up a migration request also sends on the run's signal events, so a signal
 * wait (which can wait on one event name only) wakes and looks at the requests. Never delivered.
 */
export const migrationWakeName = 'ratchet:migrate';

/**
 * The event id that makes a start idempotent: the server accepts one event per id. A continuation
 * (generation > 0, see `StartEventData.continues`) has an id of its own.
 */
export const startEventId = (runId: string, generation = 0) => `ratchet-start:${runId}${generation === 0 ? '' : `#${generation}`}`;

/**
 * The id of a run's migration request. The server stores every event it is sent (ids only stop a
 * second run from starting), so a repeated request is a second stored event: the oldest one's `to` wins.
 */
export const migrateEventId = (runId: string) => `ratchet-migrate:${runId}`;

/**
 * The id of the worker's function that the run's migration request events start: it notes the
 * request for the hosts running that run in its process. Agents' function ids are their names.
 */
export const migrationNoticeFunctionId = 'ratchet-migration-notice';

/** A CEL string literal (CEL accepts JSON's double-quoted string syntax). */
export const celString = (value: string) => JSON.stringify(value);

/** The start event's data: the run's start request as the client got it (a wire format: add fields, never rename). */
export const startEventDataSchema = z.object({
  runId: z.string().min(1),
  agent: z.string().min(1),
  input: z.unknown(),
  inputDigest: z.string(),
  seed: z.string(),
  options: runOptionsSchema.optional(),
  seeded: seededJournalSchema.optional(),
  /**
   * How the run journals; absent in runs started before versions were recorded (1: every entry a
   * full `EntryRecord`). 2: compact entries (stored-entry.ts). A run keeps the version it started
   * with, so the runs an older client started stay readable to workers of that release.
   */
  journalVersion: z.int().positive().optional(),
  /**
   * Set on a continuation: the run's next Inngest run, started by `redriveRun` after the server
   * failed the one before it (its requests ran out), seeded with that run's journal. The signal
   * events the earlier runs consumed stay on the server, so they are listed here and not taken again.
   */
  continues: z.object({ generation: z.int().positive(), consumedSignals: z.array(z.string()) }).optional(),
});
export type StartEventData = z.output<typeof startEventDataSchema>;

/** A start event's generation: 0 for the run's own start, n for its n-th continuation. */
export const generationOf = (data: StartEventData) => data.continues?.generation ?? 0;

/** The journal version new runs start with (see `StartEventData.journalVersion`). */
export const currentJournalVersion = 2;

/** What the SDK adds to an event it sends (`ts`, `meta`), kept free under the server's event size limit. */
export const sdkEventFieldsBytes = 1_024;

export const signalEventDataSchema = z.object({
  runId: z.string(),
  name: z.string(),
  payload: z.unknown(),
  /** A migration request's wake-up (named `migrationWakeName`), not a signal. */
  wake: z.literal(true).optional(),
});
export type SignalEventData = z.output<typeof signalEventDataSchema>;

/** `data` parsed with `schema`; what does not fit is an `EngineDataError` naming `what`. */
export function parseEventData<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new EngineDataError({ engine: 'Inngest', what, problem: z.prettifyError(parsed.error).replaceAll('\n', '; ') });
}

/** Asks the run to stop at its next safe point; the oldest request's `to` wins. */
export const migrationRequestSchema = z.object({ runId: z.string(), to: z.string() });
export type MigrationRequest = z.output<typeof migrationRequestSchema>;

/** What the function returns when it stopped for migration; the client adds the pending signals. */
/** A generation's end when the run went on in the next one (past the step cap): not the run's end. */
export interface ContinuedOutcome {
  status: 'continued';
  generation: number;
  /** Entries the next generation starts from. */
  entries: number;
}

export interface MigratedOutcome {
  status: 'migrated';
  to: string;
  stoppedAt: number;
  openWait?: OpenWait;
}

export interface RedriveEventData {
  runId: string;
  incident: string;
}
