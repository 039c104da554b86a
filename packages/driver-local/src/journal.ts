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
