import { withCompletionMetadata, type JournalEntry, type SerializedError, type SignalOutcome } from '@ratchet/core';
import { failureFacts } from './errors.ts';
import { parseStepId } from './naming.ts';

/**
 * The value of the head `ctx.run` of each Ratchet position. Every position starts with one `ctx.run`
 * named by its step id, so the SDK's own replay check compares step ids, and a journal read back
 * from the server maps one-to-one onto Ratchet entries. A sleep or signal wait adds the `Sleep` /
 * `GetPromise` commands it waits on right after its head.
 */
export interface StepRecord {
  input: unknown;
  inputDigest: string;
  attempts: number;
  startedAt: number;
  /** The execution (1-based) that produced it. */
  execution: number;
  /** Effects and `now`. */
  output?: unknown;
  compensable?: boolean;
  completedAt?: number;
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
  /** Completed entries, in position order. */
  entries: JournalEntry[];
  /** The run is parked on a sleep or a signal (Restate may still show the invocation as running). */
  waiting: boolean;
  /** The step id journaled at a Restate command index, with its Ratchet position. */
  stepAtCommand(commandIndex: number): { position: number; stepId: string } | undefined;
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

/** Maps an invocation's `sys_journal` rows onto Ratchet's common journal entries. */
export function readJournal(rows: JournalRow[]): ReadJournal {
  const notifications = new Map<number, Notification>();
  const heads: Head[] = [];
  const commandSteps = new Map<number, { position: number; stepId: string }>();
  let commandIndex = -1;
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
    const current = heads.at(-1);
    if ((type === 'Sleep' || type === 'GetPromise') && current) {
      current.waits.push({
        type,
        completionId: Number(body.completion_id),
        // The journaled deadline (the sleep_wakeup_at column stays empty for this journal version).
        ...(typeof body.wake_up_time === 'number' ? { wakeUpAt: body.wake_up_time } : {}),
      });
      commandSteps.set(commandIndex, { position: current.position, stepId: current.stepId });
      continue;
    }
    // Any other command (the next position's head, the outcome, the output) comes after the current one.
    if (current) current.passed = true;
    if (type === 'Run') {
      heads.push({ position: heads.length, stepId: String(body.name), completionId: Number(body.completion_id), waits: [] });
      commandSteps.set(commandIndex, { position: heads.length - 1, stepId: String(body.name) });
    }
  }

  const entries: JournalEntry[] = [];
  let waiting = false;
  for (const head of heads) {
    const entry = toEntry(head, notifications);
    if (entry) entries.push(withCompletionMetadata(entry));
    else if (head.waits.length > 0) waiting = true;
  }
  return { entries, waiting, stepAtCommand: (index) => commandSteps.get(index) };
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
  const common = { ...base, inputDigest: record.inputDigest, input: record.input, attempts: record.attempts, execution: record.execution };
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
