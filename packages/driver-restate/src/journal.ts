import { digest, parseStepId, withCompletionMetadata, type JournalEntry, type SerializedError, type SignalOutcome } from '@ratchet/core';
import { failureFacts } from './errors.ts';
import { executionMarkerName, migrationPromiseKey, wakeMarkerName, type MigrationRequest, type RunRequest } from './protocol.ts';

/**
 * The value of the head `ctx.run` of each Ratchet position. Every position starts with one `ctx.run`
 * named by its step id, so the SDK's own replay check compares step ids, and a journal read back
 * from the server maps one-to-one onto Ratchet entries. A sleep or signal wait adds the `Sleep` /
 * `GetPromise` commands it waits on right after its head, then a `GetPromise` of the run's
 * migration promise, which is no part of the entry, and once it settled (journal version 2) a wake
 * marker `ctx.run`, which is no entry either.
 */
export interface StepRecord {
  input: unknown;
  /** Written before the journal got smaller; now derived from `input` on read. */
  inputDigest?: string;
  /** Absent: 1 (records written earlier always have it). */
  attempts?: number;
  startedAt: number;
  /** The execution (1-based) that produced it. */
  execution: number;
  /** Effects and `now`; a signal wait that took a signal the run was seeded with, at once. */
  output?: unknown;
  compensable?: boolean;
  completedAt?: number;
  /** A stop marker: the run stopped here for a migration instead of running the step. Not an entry. */
  migration?: MigrationRequest;
}

/** A `sys_journal` row as the driver selects it. */
export interface JournalRow {
  index: number;
  entry_type: string;
  name?: string;
  entry_json: string;
  appended_at: string;
}

export const journalColumns = 'index, entry_type, name, entry_json, appended_at';

export interface ReadJournal {
  /** The workflow's journaled input: how the run was started. */
  request: RunRequest;
  /** Completed entries, in position order: a seeded run's seeded entries (as given), then its own. */
  entries: JournalEntry[];
  /** The run is parked on a sleep or a signal (Restate may still show the invocation as running). */
  waiting: boolean;
  /** The run's first execution journaled its marker (journal version 3): it counts though the ledger does not. */
  firstExecutionMarked: boolean;
  /** The step id journaled at a Restate command index, with its Ratchet position. */
  stepAtCommand(commandIndex: number): { position: number; stepId: string } | undefined;
  /** The wake-up time Restate journaled for the sleep (or signal timeout) at a position. */
  wakeUpAt(position: number): number | undefined;
}

interface Notification {
  index: number;
  appendedAt: number;
  result: { Success?: number[]; Failure?: { code: number; message: string; metadata?: { key: string; value: string }[] } } | undefined;
}

interface Head {
  position: number;
  stepId: string;
  completionId: number;
  /** The journal has a command after this position's own: the agent moved past it. */
  passed?: boolean;
  waits: { type: 'Sleep' | 'GetPromise'; completionId: number; wakeUpAt?: number }[];
}

/**
 * Maps an invocation's `sys_journal` rows onto Ratchet's common journal entries. With `stopPosition`
 * (a run that stopped there for a migration) the entries end before it, and at the first gap, so
 * they are the prefix another run can continue from.
 */
export function readJournal(rows: JournalRow[], options: { stopPosition?: number } = {}): ReadJournal {
  const notifications = new Map<number, Notification>();
  const heads: Head[] = [];
  const commandSteps = new Map<number, { position: number; stepId: string }>();
  let request: RunRequest | undefined;
  let firstPosition = 0;
  // The head whose wait commands follow: a wait issues them right after its head, nothing in between.
  let open: Head | undefined;
  let commandIndex = -1;
  let firstExecutionMarked = false;
  for (const row of [...rows].sort((a, b) => a.index - b.index)) {
    const json = JSON.parse(row.entry_json) as { Command?: Record<string, Record<string, unknown>>; Notification?: { Completion?: Record<string, { completion_id: number; result?: Notification['result'] }> } };
    if (json.Notification?.Completion) {
      const [, body] = Object.entries(json.Notification.Completion)[0]!;
      notifications.set(body.completion_id, { index: row.index, appendedAt: Date.parse(row.appended_at), result: body.result });
      continue;
    }
    if (!json.Command) continue;
    commandIndex += 1;
    const [type, body] = Object.entries(json.Command)[0]!;
    if (type === 'Input') {
      request = decode(body.payload as number[]) as RunRequest;
      firstPosition = request.seeded?.entries.length ?? 0;
      continue;
    }
    if (type === 'GetPromise' && body.key === migrationPromiseKey) continue;
    if ((type === 'Sleep' || type === 'GetPromise') && open) {
      open.waits.push({
        type,
        completionId: Number(body.completion_id),
        // The journaled deadline (the sleep_wakeup_at column stays empty for this journal version).
        ...(typeof body.wake_up_time === 'number' ? { wakeUpAt: body.wake_up_time } : {}),
      });
      commandSteps.set(commandIndex, { position: open.position, stepId: open.stepId });
      continue;
    }
    // Any other command (a wake marker, the next position's head, the outcome, the output) comes after the last head.
    const last = heads.at(-1);
    if (last) last.passed = true;
    open = undefined;
    if (type === 'Run' && body.name === executionMarkerName) {
      firstExecutionMarked = true;
      continue;
    }
    if (type === 'Run' && body.name === wakeMarkerName) {
      if (last) commandSteps.set(commandIndex, { position: last.position, stepId: last.stepId });
      continue;
    }
    if (type === 'Run') {
      open = { position: firstPosition + heads.length, stepId: String(body.name), completionId: Number(body.completion_id), waits: [] };
      heads.push(open);
      commandSteps.set(commandIndex, { position: open.position, stepId: open.stepId });
    }
  }

  const entries: JournalEntry[] = [...(request?.seeded?.entries ?? [])];
  let waiting = false;
  for (const head of heads) {
    const entry = toEntry(head, notifications);
    if (entry) entries.push(withCompletionMetadata(entry));
    else if (head.waits.length > 0) waiting = true;
  }
  return {
    request: request!,
    entries: options.stopPosition === undefined ? entries : prefixBefore(entries, options.stopPosition),
    waiting,
    firstExecutionMarked,
    stepAtCommand: (index) => commandSteps.get(index),
    wakeUpAt: (position) => heads.find((head) => head.position === position)?.waits.find((wait) => wait.type === 'Sleep')?.wakeUpAt,
  };
}

/** The entries at positions 0, 1, 2, ... before `stop`, up to the first one missing. */
function prefixBefore(entries: JournalEntry[], stop: number): JournalEntry[] {
  const prefix: JournalEntry[] = [];
  for (const entry of entries) {
    if (entry.position !== prefix.length || entry.position >= stop) break;
    prefix.push(entry);
  }
  return prefix;
}

function toEntry(head: Head, notifications: Map<number, Notification>): JournalEntry | undefined {
  const done = notifications.get(head.completionId);
  if (!done?.result) return undefined;
  const { kind, name } = parseStepId(head.stepId);
  const base = { position: head.position, stepId: head.stepId, kind, name };
  if (done.result.Failure) {
    const metadata = Object.fromEntries((done.result.Failure.metadata ?? []).map(({ key, value }) => [key, value]));
    const facts = failureFacts(metadata);
    const error: SerializedError = facts?.error ?? { name: 'TerminalError', kind: 'terminal', message: done.result.Failure.message, retryable: false };
    return {
      ...base,
      inputDigest: facts?.inputDigest ?? '',
      ...(facts && facts.input !== undefined ? { input: facts.input } : {}),
      status: 'failed',
      error,
      attempts: facts?.attempts ?? 1,
      startedAt: facts?.startedAt ?? done.appendedAt,
      completedAt: facts?.completedAt ?? done.appendedAt,
      execution: facts?.execution ?? 1,
    };
  }
  const record = decode(done.result.Success) as StepRecord;
  if (record.migration) return undefined;
  const common = { ...base, inputDigest: record.inputDigest ?? digest(record.input ?? null), input: record.input, attempts: record.attempts ?? 1, execution: record.execution };
  if (kind === 'signal' && record.output !== undefined) {
    return { ...common, status: 'completed', output: record.output, startedAt: record.startedAt, completedAt: record.startedAt };
  }
  // Restate journals a timer's firing or a promise's value as it happens, even while no execution
  // runs; a wait is the agent's only once it moved past it (a later command), as on other engines.
  if ((kind === 'sleep' || kind === 'signal') && !head.passed) return undefined;
  if (kind === 'sleep') {
    const timer = head.waits.find((wait) => wait.type === 'Sleep');
    const fired = timer && notifications.get(timer.completionId);
    if (!fired) return undefined;
    const { durationMs } = record.input as { durationMs: number };
    const startedAt = timer.wakeUpAt === undefined ? record.startedAt : timer.wakeUpAt - durationMs;
    return { ...common, status: 'completed', output: { firedAt: fired.appendedAt }, startedAt, completedAt: fired.appendedAt };
  }
  if (kind === 'signal') {
    const outcome = signalOutcome(head, notifications);
    if (!outcome) return undefined;
    return { ...common, status: 'completed', output: outcome.value, startedAt: record.startedAt, completedAt: outcome.at };
  }
  return {
    ...common,
    status: 'completed',
    output: record.output,
    ...(record.compensable ? { compensable: true } : {}),
    startedAt: record.startedAt,
    completedAt: record.completedAt ?? record.startedAt,
  };
}

/** The first of the signal's promise and its timeout to complete, as the wait saw it. */
function signalOutcome(head: Head, notifications: Map<number, Notification>): { value: SignalOutcome; at: number } | undefined {
  const completed = head.waits
    .map((wait) => ({ wait, notification: notifications.get(wait.completionId) }))
    .filter((item): item is { wait: Head['waits'][number]; notification: Notification } => item.notification !== undefined)
    .sort((a, b) => a.notification.index - b.notification.index)[0];
  if (!completed) return undefined;
  if (completed.wait.type === 'Sleep') return { value: { received: false }, at: completed.notification.appendedAt };
  return { value: { received: true, payload: decode(completed.notification.result?.Success) }, at: completed.notification.appendedAt };
}

/** A journaled value (the JSON serde's bytes, shown by `entry_json` as a byte array). */
function decode(bytes: number[] | undefined): unknown {
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}
