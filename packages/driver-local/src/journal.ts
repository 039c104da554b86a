import { digest, parseStepId, withCompletionMetadata, type JournalEntry, type SerializedError, type StepKind } from '@ratchet/core';

/**
 * A `journal` table row as SQLite returns it. What the row says otherwise is stored empty (`''`,
 * no bytes in SQLite's record) and derived on read: the kind and name its step id spells, and the
 * digest of its input (every row a worker writes; an imported entry's only when they agree).
 * Rows written before that carry all three, and read the same.
 */
export interface JournalRow {
  run_id: string;
  position: number;
  step_id: string;
  kind: StepKind | '';
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
    ...spelledBy(entry.stepId, entry.kind, entry.name),
    input_digest: entry.input !== undefined && digest(entry.input) === entry.inputDigest ? '' : entry.inputDigest,
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
  const spelled = row.kind === '' ? parseStepId(row.step_id) : undefined;
  const entry: JournalEntry = {
    position: row.position,
    stepId: row.step_id,
    kind: spelled?.kind ?? (row.kind as StepKind),
    name: spelled?.name ?? row.name,
    inputDigest: row.input_digest === '' ? digest(row.input === null ? null : JSON.parse(row.input)) : row.input_digest,
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

/** The kind and name to store: empty when the step id spells them (as every step id core makes does). */
export function spelledBy(stepId: string, kind: StepKind, name: string): { kind: StepKind | ''; name: string } {
  const parsed = parseStepId(stepId);
  return parsed.kind === kind && parsed.name === name ? { kind: '', name: '' } : { kind, name };
}
