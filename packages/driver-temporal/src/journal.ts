import {
  NonDeterminismError,
  digest,
  jsonByteLength,
  serializeError,
  EngineFailureError,
  type EngineFailureHow,
  withCompletionMetadata,
  type JournalEntry,
  type MigrationRecord,
  type RunStart,
  type SerializedError,
} from '@ratchet/core';
import { defaultPayloadConverter } from '@temporalio/common';
import { refuseEncoded } from './payload-codec.ts';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import {
  effectActivityName,
  journalPageActivityName,
  memoKeys,
  nondeterminismCode,
  runDivergedType,
  runFailedType,
  runMigratedType,
  type EffectRequest,
  type EffectResponse,
  type JournalPage,
  type RecordedEntry,
  type RunArgs,
  type RunFailureDetails,
} from './protocol.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
type Failure = temporal.api.failure.v1.IFailure;
type StartedAttributes = temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes;

/** How a run's workflow ended, read from its closing event. */
export type RunEnd =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; error: SerializedError; compensations: RunFailureDetails['compensations'] }
  | { status: 'dead-lettered'; error: SerializedError }
  | { status: 'migrated'; migration: MigrationRecord };

export interface RunHistory {
  /** The entries this workflow run produced itself. */
  entries: JournalEntry[];
  /** A seeded run's `seeded.entries` (the start of its journal, as given), from this run's input. */
  seeded?: JournalEntry[];
  /**
   * A continued run's journal of the earlier runs of its chain, as it loaded them (without their
   * input); empty for a chain's first run.
   */
  carried: JournalEntry[];
  /** Temporal run ids of the earlier runs of the chain, oldest first. */
  previousRuns: string[];
  /**
   * Workflow tasks completed in the chain up to the end of this run: each one is an execution of
   * the run's code up to its next wait.
   */
  executions: number;
  /** When the chain's first run started (known to a continued run once it has loaded its journal). */
  createdAt: number;
  updatedAt: number;
  end?: RunEnd;
}

/**
 * Reads one workflow run's part of a Ratchet run's journal back from its history, in Ratchet's
 * common entries:
 * - each `ratchetEffect` activity that completed, or failed with a non-retryable error, is one entry
 *   (its request names the step; `attempts` is the attempt of its `ActivityTaskStarted`, crashed
 *   attempts included); one that ran out of retries parked the run and is not an entry, as on every
 *   engine, and the same step after a redrive is;
 * - each `ratchet.entry` memo upsert is one entry (now, signal, sleep, an input over the limit);
 * - each `ratchetJournalPage` result is part of the journal a continued run carried over;
 * - `execution` is the number of the workflow task whose commands produced the entry, counted from
 *   the chain's first run.
 */
export function readRunHistory(events: readonly HistoryEvent[]): RunHistory {
  const entries: JournalEntry[] = [];
  const carried: JournalEntry[] = [];
  const taskNumber = new Map<number, number>();
  const scheduled = new Map<number, { request: EffectRequest; execution: number }>();
  const pages = new Set<number>();
  const started = new Map<number, { attempt: number; at: number }>();
  let previousRuns: string[] = [];
  let seeded: JournalEntry[] | undefined;
  let before = { executions: 0, createdAt: tsToMs(events[0]?.eventTime) };
  let executions = 0;
  let end: RunEnd | undefined;
  const execution = (completedEventId: unknown) => taskNumber.get(Number(completedEventId)) ?? executions;

  for (const event of events) {
    const at = tsToMs(event.eventTime);
    const id = Number(event.eventId);
    if (event.workflowExecutionStartedEventAttributes) {
      const args = decode<RunArgs | undefined>(event.workflowExecutionStartedEventAttributes.input?.payloads?.[0]);
      previousRuns = args?.continued?.runs ?? [];
      seeded = args?.seeded?.entries;
    } else if (event.workflowTaskCompletedEventAttributes) {
      executions += 1;
      taskNumber.set(id, executions);
    } else if (event.activityTaskScheduledEventAttributes) {
      const attributes = event.activityTaskScheduledEventAttributes;
      if (attributes.activityType?.name === journalPageActivityName) pages.add(id);
      if (attributes.activityType?.name !== effectActivityName) continue;
      const request = decode<EffectRequest>(attributes.input?.payloads?.[0]);
      scheduled.set(id, { request, execution: execution(attributes.workflowTaskCompletedEventId) });
    } else if (event.activityTaskStartedEventAttributes) {
      const attributes = event.activityTaskStartedEventAttributes;
      started.set(Number(attributes.scheduledEventId), { attempt: attributes.attempt ?? 1, at });
    } else if (event.activityTaskCompletedEventAttributes) {
      const attributes = event.activityTaskCompletedEventAttributes;
      const scheduledEventId = Number(attributes.scheduledEventId);
      if (pages.has(scheduledEventId)) {
        const page = decode<JournalPage>(attributes.result?.payloads?.[0]);
        carried.push(...page.entries);
        before = { executions: page.executions, createdAt: page.createdAt };
        continue;
      }
      const response = decode<EffectResponse>(attributes.result?.payloads?.[0]);
      entries.push(effectEntry(scheduled, started, scheduledEventId, at, { status: 'completed', output: response.output, compensable: response.compensable }));
    } else if (event.activityTaskFailedEventAttributes) {
      const attributes = event.activityTaskFailedEventAttributes;
      const failure = attributes.failure;
      const serialized = decode<SerializedError | undefined>(failure?.applicationFailureInfo?.details?.payloads?.[0]);
      if (scheduled.has(Number(attributes.scheduledEventId)) && failure?.applicationFailureInfo?.nonRetryable && serialized) {
        entries.push(effectEntry(scheduled, started, Number(attributes.scheduledEventId), at, { status: 'failed', error: serialized }));
      }
    } else if (event.workflowPropertiesModifiedEventAttributes) {
      const attributes = event.workflowPropertiesModifiedEventAttributes;
      const payload = attributes.upsertedMemo?.fields?.[memoKeys.entry];
      if (payload) entries.push(recordedEntry(decode<RecordedEntry>(payload), execution(attributes.workflowTaskCompletedEventId)));
    } else if (event.workflowExecutionCompletedEventAttributes) {
      end = { status: 'completed', output: decode(event.workflowExecutionCompletedEventAttributes.result?.payloads?.[0]) ?? null };
    } else if (event.workflowExecutionFailedEventAttributes) {
      end = failedEnd(event.workflowExecutionFailedEventAttributes.failure ?? {}, [...(seeded ?? []), ...carried, ...entries], scheduled);
    } else if (event.workflowExecutionTerminatedEventAttributes) {
      end = stoppedEnd('terminated', `The workflow was terminated: ${event.workflowExecutionTerminatedEventAttributes.reason ?? 'no reason given'}`);
    } else if (event.workflowExecutionCanceledEventAttributes) {
      end = stoppedEnd('cancelled', 'The workflow was cancelled');
    } else if (event.workflowExecutionTimedOutEventAttributes) {
      end = stoppedEnd('timed-out', 'The workflow ran past its execution timeout');
    }
  }
  entries.sort((a, b) => a.position - b.position);
  for (const entry of entries) entry.execution += before.executions;
  return {
    entries,
    ...(seeded ? { seeded } : {}),
    carried,
    previousRuns,
    executions: before.executions + executions,
    createdAt: before.createdAt,
    updatedAt: tsToMs(events.at(-1)?.eventTime),
    ...(end ? { end } : {}),
  };
}

/**
 * The whole journal of a run, from the histories of its workflow runs (more than one when it
 * continued as new), oldest first (the latest last): a seeded run's `seeded.entries` first, as
 * given, then the chain's own. Each run's own entries are read in full; an earlier run whose
 * history is gone (past the namespace's retention) is answered by the journal the latest run
 * carried, which lacks only the inputs. The seeded entries are read from the latest run's input
 * only (every run of the chain holds the same ones, and no run's pages or entries hold them), so
 * they come once.
 */
export function joinChain(runs: readonly (RunHistory | undefined)[]): JournalEntry[] {
  const latest = runs.at(-1)!;
  const byPosition = new Map([...(latest.seeded ?? []), ...latest.carried].map((entry) => [entry.position, entry]));
  for (const run of runs) for (const entry of run?.entries ?? []) byPosition.set(entry.position, entry);
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

/**
 * How the run was started, from the `WorkflowExecutionStarted` event of any run of its chain: each
 * continued run (and a run reset by a redrive) gets the same input, seed and options, and its memo
 * the same input digest. So the latest run answers as the first would, and its history outlasts the
 * earlier runs' (the namespace's retention deletes closed runs first).
 */
export function runStartOf(started: StartedAttributes): RunStart {
  const args = decode<RunArgs>(started.input?.payloads?.[0]);
  return {
    input: args.input,
    inputDigest: decode<string | undefined>(started.memo?.fields?.[memoKeys.inputDigest]) ?? '',
    seed: args.seed,
    ...(args.options ? { options: args.options } : {}),
  };
}

/** Half of the 512 KB over which Temporal warns about a payload (it refuses one over 2 MB). */
export const journalPageBytes = 256 * 1024;

/**
 * A page of the journal up to the end of `run` (what it carried, then its own entries without their
 * input), starting at position `from`: entries while they fit in `maxBytes`, and always one.
 */
export function journalPage(run: RunHistory, from: number, maxBytes = journalPageBytes): JournalPage {
  const journal = [...run.carried, ...run.entries];
  const entries: JournalEntry[] = [];
  let bytes = 0;
  let index = from;
  for (; index < journal.length; index++) {
    const { input: _input, ...entry } = journal[index]!;
    bytes += jsonByteLength(entry);
    if (entries.length > 0 && bytes > maxBytes) break;
    entries.push(entry);
  }
  return { entries, next: index < journal.length ? index : null, executions: run.executions, createdAt: run.createdAt };
}

function effectEntry(
  scheduled: Map<number, { request: EffectRequest; execution: number }>,
  started: Map<number, { attempt: number; at: number }>,
  scheduledEventId: number,
  completedAt: number,
  outcome: { status: 'completed'; output: unknown; compensable: boolean } | { status: 'failed'; error: SerializedError },
): JournalEntry {
  const { request, execution } = scheduled.get(scheduledEventId)!;
  const attempt = started.get(scheduledEventId);
  const entry: JournalEntry = {
    position: request.position,
    stepId: request.stepId,
    kind: request.kind,
    name: request.name,
    inputDigest: digest(request.input ?? null),
    input: request.input,
    status: outcome.status,
    attempts: attempt?.attempt ?? 1,
    startedAt: attempt?.at ?? completedAt,
    completedAt,
    execution,
  };
  if (outcome.status === 'completed') {
    entry.output = outcome.output;
    if (outcome.compensable) entry.compensable = true;
  } else {
    entry.error = outcome.error;
  }
  return withCompletionMetadata(entry);
}

function recordedEntry(recorded: RecordedEntry, execution: number): JournalEntry {
  return {
    position: recorded.position,
    stepId: recorded.stepId,
    kind: recorded.kind,
    name: recorded.name,
    inputDigest: recorded.inputDigest ?? digest(recorded.input ?? null),
    ...(recorded.input === undefined ? {} : { input: recorded.input }),
    ...(recorded.error ? { status: 'failed' as const, error: recorded.error } : { status: 'completed' as const, output: recorded.output }),
    attempts: 1,
    startedAt: recorded.startedAt,
    completedAt: recorded.completedAt,
    execution,
  };
}

function failedEnd(failure: Failure, entries: JournalEntry[], scheduled: Map<number, { request: EffectRequest }>): RunEnd {
  const message = failure.message ?? '';
  if (message.includes(nondeterminismCode)) {
    return { status: 'dead-lettered', error: serializeError(toNonDeterminismError(message, entries, scheduled)) };
  }
  const info = failure.applicationFailureInfo;
  if (info?.type === runMigratedType) {
    return { status: 'migrated', migration: decode<MigrationRecord>(info.details?.payloads?.[0]) };
  }
  if (info?.type === runDivergedType) {
    return { status: 'dead-lettered', error: decode<SerializedError>(info.details?.payloads?.[0]) };
  }
  if (info?.type === runFailedType) {
    const details = decode<RunFailureDetails>(info.details?.payloads?.[0]);
    return { status: 'failed', error: details.error, compensations: details.compensations };
  }
  return { status: 'failed', error: { name: info?.type || 'Error', kind: 'application', message, retryable: false }, compensations: [] };
}

/**
 * Temporal's core fails the workflow with its workflow-task failure, which has no failure type
 * (`applicationFailureInfo` is empty), only the documented code `[TMPRL1100]` and a message. When
 * two activities diverge the message quotes both activity ids, history's first; those ids are step
 * ids, so they are recognised among the steps history scheduled rather than read from the sentence
 * around them. Any other divergence (a timer where history has an activity, a missing step) is
 * reported at the first position past the journal, with Temporal's own words.
 */
function toNonDeterminismError(message: string, entries: JournalEntry[], scheduled: Map<number, { request: EffectRequest }>): NonDeterminismError {
  const quoted = [...message.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
  if (quoted.length === 2) {
    const [recorded, asked] = quoted as [string, string];
    const expected = [...scheduled.values()].find(({ request }) => activityIdOf(request.stepId, recorded))?.request;
    if (expected) return new NonDeterminismError(expected.position, expected.stepId, asked.replace(/~\d+$/, ''));
  }
  const position = entries.length === 0 ? 0 : Math.max(...entries.map((entry) => entry.position)) + 1;
  return new NonDeterminismError(position, 'the step Temporal recorded next', message.slice(message.indexOf(nondeterminismCode)));
}

/** Whether `activityId` is the step's id, or its id after a redrive (`stepId~N`). */
function activityIdOf(stepId: string, activityId: string): boolean {
  return activityId === stepId || activityId.startsWith(`${stepId}~`);
}

function stoppedEnd(how: EngineFailureHow, message: string): RunEnd {
  return { status: 'failed', error: serializeError(new EngineFailureError({ engine: 'Temporal', how, message })), compensations: [] };
}

/** A payload of a history read from the raw service: opened already where the client has a codec (see payload-codec.ts). */
function decode<T>(payload: Payload | null | undefined): T {
  if (!payload) return undefined as T;
  refuseEncoded(payload);
  return defaultPayloadConverter.fromPayload(payload as never) as T;
}
