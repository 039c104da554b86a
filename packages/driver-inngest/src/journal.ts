import { EngineFailureError, serializeError, withCompletionMetadata, type CompensationRecord, type JournalEntry, type RunDescription, type RunOutcome, type SerializedError } from '@ratchet/core';
import { isRatchetRecord, type ContinuedOutcome, type DeadLetterRecord, type EntryRecord, type MigratedOutcome, type RatchetRecord } from './protocol.ts';
import type { TraceSpan } from './server-api.ts';
import { decodeEntry, entryStepId, isCompactEntry, type CompactEntry } from './stored-entry.ts';

/** What the server's trace of one Inngest run says about the Ratchet run. */
export interface RunRecord {
  /** The journal, rebuilt when asked for (a compact entry's input digest is computed then). */
  journal(): JournalEntry[];
  /** The open dead-letter (no redrive found for it yet), if any. */
  deadLetter?: DeadLetterRecord;
  /** The function's result when the run stopped for migration (status `migrated`). */
  migrated?: MigratedOutcome;
  /** Ids of the signals the run consumed (event ids, or `seeded#n`). */
  consumedSignals: Set<string>;
  description: Omit<RunDescription, 'runId' | 'agent' | 'createdAt'>;
}

/**
 * Reads a run's trace (`GET /api/v2/runs/{id}/trace?includeOutput=true`) into Ratchet's terms. The
 * journal is the entry records among the step outputs, ordered by position; the status comes from
 * the run's own status, the function's output (Ratchet's `RunOutcome`, or a migrated outcome),
 * open dead-letters and steps that are waiting. A seeded run's seeded entries are not in its trace.
 * Compact entries (journal version 2) are dated from `startEventTs`, the `ts` of the run's start event.
 */
export function readRunRecord(root: TraceSpan, startEventTs: number): RunRecord {
  const records: RatchetRecord[] = [];
  // Entries in trace order; a compact entry's step id is its step's name, which the trace gives.
  const entries: (EntryRecord | { compact: CompactEntry; stepName: string })[] = [];
  let waiting = false;
  let updatedAt = time(root.endedAt) ?? time(root.startedAt) ?? time(root.queuedAt) ?? 0;
  const visit = (span: TraceSpan) => {
    for (const child of span.children ?? []) {
      const output = child.output;
      if (child.stepOp === 'RUN' && isCompactEntry(output)) entries.push({ compact: output, stepName: child.name });
      if (isRatchetRecord(output)) records.push(output);
      if (isRatchetRecord(output) && output.ratchet === 'entry') entries.push(output);
      if (child.status === 'WAITING' && (child.stepOp === 'SLEEP' || child.stepOp === 'WAIT_FOR_EVENT')) waiting = true;
      updatedAt = Math.max(updatedAt, time(child.endedAt) ?? time(child.startedAt) ?? 0);
      visit(child);
    }
  };
  visit(root);

  const redriven = new Set<string>();
  const deadLetters: DeadLetterRecord[] = [];
  const consumedSignals = new Set<string>();
  let executions = 0;
  for (const stored of entries) {
    if (!('compact' in stored)) continue;
    executions = Math.max(executions, stored.compact.x ?? 1);
    if (stored.compact.s) consumedSignals.add(stored.compact.s);
  }
  for (const record of records) {
    executions = Math.max(executions, record.ratchet === 'entry' ? record.entry.execution : record.execution);
    if (record.ratchet === 'entry' && record.signalEventId) consumedSignals.add(record.signalEventId);
    if (record.ratchet === 'dead-letter') deadLetters.push(record);
    if (record.ratchet === 'lookup' && typeof record.event?.data.incident === 'string') redriven.add(record.event.data.incident);
  }
  const journal = () => {
    const byPosition = new Map<number, JournalEntry>();
    for (const stored of entries) {
      const { entry } = 'compact' in stored ? decodeEntry(stored.compact, entryStepId(stored.compact, stored.stepName), startEventTs) : stored;
      if (!byPosition.has(entry.position)) byPosition.set(entry.position, entry);
    }
    return [...byPosition.values()].sort((a, b) => a.position - b.position).map(withCompletionMetadata);
  };
  const deadLetter = deadLetters.filter((record) => !redriven.has(record.incident)).sort((a, b) => b.at - a.at)[0];
  const base = { executions: Math.max(executions, 1), updatedAt };

  // Went on in its next generation (past the step cap): running, until that generation's run is read.
  if (root.status === 'COMPLETED' && isContinued(root.output)) return { journal, consumedSignals, description: { ...base, status: 'running' } };
  if (root.status === 'COMPLETED' && isOutcome(root.output)) {
    const outcome = root.output;
    if (outcome.status === 'migrated') return { journal, consumedSignals, migrated: outcome, description: { ...base, status: 'migrated' } };
    return {
      journal,
      consumedSignals,
      description:
        outcome.status === 'completed'
          ? { ...base, status: 'completed', output: outcome.output }
          : { ...base, status: 'failed', error: outcome.error, compensations: outcome.compensations as CompensationRecord[] },
    };
  }
  if (root.status === 'FAILED' || root.status === 'COMPLETED') {
    // Inngest gave up on the run itself (retries of something outside Ratchet's steps ran out).
    const error = inngestError(root.output);
    return { journal, consumedSignals, description: { ...base, status: 'dead-lettered', deadLetter: { error } } };
  }
  if (root.status === 'CANCELLED') {
    const error = serializeError(new EngineFailureError({ engine: 'Inngest', how: 'cancelled', message: 'The run was cancelled on the Inngest server' }));
    return { journal, consumedSignals, description: { ...base, status: 'failed', error, compensations: [] } };
  }
  if (deadLetter) {
    return {
      journal,
      consumedSignals,
      deadLetter,
      description: { ...base, status: 'dead-lettered', deadLetter: { ...(deadLetter.stepId ? { stepId: deadLetter.stepId } : {}), error: deadLetter.error } },
    };
  }
  const started = records.length > 0 || entries.length > 0 || (root.children?.length ?? 0) > 0;
  return { journal, consumedSignals, description: { ...base, executions: started ? base.executions : 0, status: waiting ? 'waiting' : started ? 'running' : 'pending' } };
}

function isContinued(value: unknown): value is ContinuedOutcome {
  return (value as { status?: unknown } | null)?.status === 'continued';
}

function isOutcome(value: unknown): value is RunOutcome | MigratedOutcome {
  const status = (value as { status?: unknown } | null)?.status;
  return status === 'completed' || status === 'failed' || status === 'migrated';
}

function inngestError(output: unknown): SerializedError {
  const error = (output as { error?: { name?: string; message?: string } } | null)?.error ?? (output as { name?: string; message?: string } | null);
  return serializeError(new EngineFailureError({ engine: 'Inngest', how: 'failed', message: `The Inngest server failed the run: ${error?.message ?? JSON.stringify(output)}` }));
}

function time(value: string | undefined): number | undefined {
  return value ? Date.parse(value) : undefined;
}
