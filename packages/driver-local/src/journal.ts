import { withCompletionMetadata, type JournalEntry, type SerializedError, type StepKind } from '@ratchet/core';

/** A `journal` table row as SQLite returns it. */
export interface JournalRow {
  run_id: string;
  position: number;
  step_id: string;
  kind: StepKind;
  name: string;
  input_digest: string;
  input: string | null;
  status: 'completed' | 'failed';
  output: string | null;
  error: string | null;
  attempts: number;
  started_at: number;
  completed_at: number;
  execution: number;
  compensable: number;
}

/** A common journal entry as a row: how an imported journal is stored, answered by replay like any other. */
export function toJournalRow(runId: string, entry: JournalEntry): JournalRow {
  return {
    run_id: runId,
    position: entry.position,
    step_id: entry.stepId,
    kind: entry.kind,
    name: entry.name,
    input_digest: entry.inputDigest,
    input: entry.input === undefined ? null : JSON.stringify(entry.input),
    status: entry.status,
    output: entry.output === undefined ? null : JSON.stringify(entry.output),
    error: entry.error === undefined ? null : JSON.stringify(entry.error),
    attempts: entry.attempts,
    started_at: entry.startedAt,
    completed_at: entry.completedAt,
    execution: entry.execution,
    compensable: entry.compensable ? 1 : 0,
  };
}

/** Reads a row back into Ratchet's common journal entry. */
export function toJournalEntry(row: JournalRow): JournalEntry {
  const entry: JournalEntry = {
    position: row.position,
    stepId: row.step_id,
    kind: row.kind,
    name: row.name,
    inputDigest: row.input_digest,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    execution: row.execution,
  };
  if (row.input !== null) entry.input = JSON.parse(row.input);
  if (row.output !== null) entry.output = JSON.parse(row.output);
  if (row.error !== null) entry.error = JSON.parse(row.error) as SerializedError;
  if (row.compensable) entry.compensable = true;
  return withCompletionMetadata(entry);
}
