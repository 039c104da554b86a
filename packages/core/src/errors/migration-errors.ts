import { RatchetError, registerErrorKind, type SerializedError } from './ratchet-error.ts';

/** Why a portable journal document was refused. */
export type JournalDocumentProblem = 'malformed' | 'unsupported-version' | 'truncated' | 'tampered';

/**
 * A portable journal document was refused before anything started: it is not a Ratchet journal,
 * comes from a newer format version, was cut short, or was changed after it was exported.
 *
 * @example
 * try { await client.import(text) } catch (error) {
 *   if (error instanceof JournalDocumentError && error.problem === 'tampered') ...
 * }
 */
export class JournalDocumentError extends RatchetError {
  readonly problem: JournalDocumentProblem;
  constructor(problem: JournalDocumentProblem, message: string, data: Record<string, unknown> = {}) {
    super('journal-document', `Journal document refused (${problem}): ${message}`, { data: { problem, ...data } });
    this.name = 'JournalDocumentError';
    this.problem = problem;
  }
}

/**
 * The run was migrated to another engine and is over here: signal, redrive or migrate it where it
 * went (`to`). Nothing was sent.
 */
export class RunMigratedError extends RatchetError {
  readonly runId: string;
  readonly to: string;
  constructor(runId: string, to: string) {
    super('run-migrated', `Run "${runId}" was migrated to the ${to} driver; use it there`, { data: { runId, to } });
    this.name = 'RunMigratedError';
    this.runId = runId;
    this.to = to;
  }
}

/** A migration or fork that cannot happen as asked (the run already ended, an unknown step). Nothing was changed. */
export class MigrationError extends RatchetError {
  readonly runId: string;
  constructor(runId: string, message: string, data: Record<string, unknown> = {}) {
    super('migration', message, { data: { runId, ...data } });
    this.name = 'MigrationError';
    this.runId = runId;
  }
}

const d = (s: SerializedError) => s.data ?? {};
registerErrorKind('journal-document', (s) => Object.assign(new JournalDocumentError(d(s).problem as JournalDocumentProblem, ''), { message: s.message, data: d(s) }));
registerErrorKind('run-migrated', (s) => new RunMigratedError(String(d(s).runId), String(d(s).to)));
registerErrorKind('migration', (s) => Object.assign(new MigrationError(String(d(s).runId), s.message), { data: d(s) }));
