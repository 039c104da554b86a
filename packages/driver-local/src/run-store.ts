import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  ExecutionInterrupt,
  RunMigratedError,
  RunNotFoundError,
  type MigrationRecord,
  type OpenWait,
  type RunStart,
  type CompensationRecord,
  type RunDescription,
  type RunOptions,
  type RunOutcome,
  type RunStatus,
  type SerializedError,
  type StartRunRequest,
} from '@ratchet/core';
import { transaction } from './database.ts';
import { GroupCommit } from './group-commit.ts';
import { toJournalRow, type JournalRow } from './journal.ts';

export interface ClaimedRun {
  id: string;
  agent: string;
  input: unknown;
  seed: string;
  options: RunOptions;
  executions: number;
  signalVersion: number;
}

export interface PendingStep {
  stepId: string;
  attempts: number;
  nextAttemptAt: number;
  deadline: number | null;
  lastError: SerializedError | null;
}

// Far enough to mean "until a signal wakes it", small enough to stay an exact integer in SQLite.
const never = 8_640_000_000_000_000;

/**
 * Every read and write of the local driver's SQLite database. Writes made on behalf of a run check,
 * in the same transaction, that this worker still holds the run's lease (fencing): a worker that lost
 * its lease cannot journal anything, so two workers can never both complete one step.
 */
export class RunStore {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /** The writes of a step's result and of a run's end, committed together per turn (see group-commit.ts). */
  readonly #group: GroupCommit;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.#group = new GroupCommit(db);
  }

  /**
   * The statement for `sql`, compiled once per connection and reused: compiling costs more than
   * running these small statements, and a step runs several (profiled in bench/, `npm run bench`).
   */
  #sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Creates the run, once. A seeded run (import, migration, fork) gets its journal, its pending
   * signals (before any sent later) and its open wait's deadline in the same transaction, so its
   * workers replay them like entries of their own.
   */
  insertRun(request: StartRunRequest, now: number): { created: boolean; agent: string; inputDigest: string } {
    return transaction(this.db, () => this.#insertRun(request, now));
  }

  #insertRun(request: StartRunRequest, now: number): { created: boolean; agent: string; inputDigest: string } {
    const inserted = this.#sql(
      `INSERT INTO runs (id, agent, input, input_digest, seed, options, status, wake_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(
      request.runId, request.agent, JSON.stringify(request.input), request.inputDigest, request.seed,
      request.options ? JSON.stringify(request.options) : null, now, now, now,
    );
    if (inserted.changes === 1) {
      if (request.seeded) this.#seed(request.runId, request.seeded, now);
      return { created: true, agent: request.agent, inputDigest: request.inputDigest };
    }
    const existing = this.#sql('SELECT agent, input_digest FROM runs WHERE id = ?').get(request.runId) as {
      agent: string;
      input_digest: string;
    };
    return { created: false, agent: existing.agent, inputDigest: existing.input_digest };
  }

  #seed(runId: string, seeded: NonNullable<StartRunRequest['seeded']>, now: number): void {
    this.#sql('UPDATE runs SET seeded_steps = ? WHERE id = ?').run(seeded.entries.length, runId);
    for (const entry of seeded.entries) this.#insertEntry(toJournalRow(runId, entry));
    for (const signal of seeded.signals) {
      this.#sql('INSERT INTO signals (run_id, name, payload, created_at) VALUES (?, ?, ?, ?)').run(runId, signal.name, JSON.stringify(signal.payload), now);
    }
    const wait = seeded.openWait;
    if (wait) {
      this.#sql('INSERT INTO pending_steps (run_id, position, step_id, deadline, started_at) VALUES (?, ?, ?, ?, ?)')
        .run(runId, wait.position, wait.stepId, wait.deadline ?? null, now);
    }
  }

  readRunStart(runId: string): RunStart {
    const row = this.#sql('SELECT input, input_digest, seed, options FROM runs WHERE id = ?').get(runId) as
      | { input: string; input_digest: string; seed: string; options: string | null }
      | undefined;
    if (!row) throw new RunNotFoundError(runId);
    return {
      input: JSON.parse(row.input),
      inputDigest: row.input_digest,
      seed: row.seed,
      ...(row.options === null ? {} : { options: JSON.parse(row.options) as RunOptions }),
    };
  }

  /**
   * Records a migration request (the first target wins) and wakes the run if it waits, so a worker
   * replays it to its wait and stops it there. It moves the signal version like a signal does: an
   * execution that looked for a request before this one landed must not then sleep through it.
   * A run that has ended is left as it is.
   */
  requestMigration(runId: string, to: string, now: number): void {
    transaction(this.db, () => {
      const updated = this.#sql(
        `UPDATE runs SET migration_to = COALESCE(migration_to, ?), signal_version = signal_version + 1, updated_at = ?,
           wake_at = CASE WHEN status = 'waiting' THEN ? ELSE wake_at END
         WHERE id = ? AND status IN ('pending', 'running', 'waiting')`,
      ).run(to, now, now, runId);
      if (updated.changes === 0) this.describe(runId); // throws RunNotFoundError for an unknown run
    });
  }

  /** The target of a migration requested for this run, if one was. */
  migrationRequestedTo(runId: string): string | undefined {
    const row = this.#sql('SELECT migration_to FROM runs WHERE id = ?').get(runId) as { migration_to: string | null } | undefined;
    return row?.migration_to ?? undefined;
  }

  /** Ends the run as migrated, handing over the signals it had not consumed. */
  migrated(runId: string, workerId: string, openWait: OpenWait | undefined, now: number): void {
    this.#fenced(runId, workerId, () => {
      const { migration_to: to } = this.#sql('SELECT migration_to FROM runs WHERE id = ?').get(runId) as { migration_to: string };
      const signals = (this.#sql('SELECT name, payload FROM signals WHERE run_id = ? AND consumed_by IS NULL ORDER BY id').all(runId) as { name: string; payload: string }[])
        .map((signal) => ({ name: signal.name, payload: JSON.parse(signal.payload) as unknown }));
      const record: MigrationRecord = { to, stoppedAt: now, signals, ...(openWait ? { openWait } : {}) };
      this.#sql(
        `UPDATE runs SET status = 'migrated', migration = ?, lease_owner = NULL, lease_expires_at = 0, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(record), now, runId);
    });
  }

  /** Leases up to `limit` runnable runs of the given agents: new, due, or whose owner's lease expired. */
  claim(workerId: string, agents: readonly string[], now: number, leaseMs: number, limit: number): ClaimedRun[] {
    if (limit <= 0 || agents.length === 0) return [];
    const placeholders = agents.map(() => '?').join(', ');
    return transaction(this.db, () => {
      const rows = this.#sql(
        `UPDATE runs SET status = 'running', lease_owner = ?, lease_expires_at = ?, executions = executions + 1, updated_at = ?
         WHERE id IN (
           SELECT id FROM runs
           WHERE status IN ('pending', 'waiting', 'running') AND wake_at <= ? AND lease_expires_at < ? AND agent IN (${placeholders})
           ORDER BY wake_at LIMIT ?)
         RETURNING id, agent, input, seed, options, executions, signal_version`,
      ).all(workerId, now + leaseMs, now, now, now, ...agents, limit) as {
        id: string;
        agent: string;
        input: string;
        seed: string;
        options: string | null;
        executions: number;
        signal_version: number;
      }[];
      return rows.map((row) => ({
        id: row.id,
        agent: row.agent,
        input: JSON.parse(row.input),
        seed: row.seed,
        options: row.options === null ? {} : (JSON.parse(row.options) as RunOptions),
        executions: row.executions,
        signalVersion: row.signal_version,
      }));
    });
  }

  renewLease(runId: string, workerId: string, now: number, leaseMs: number): boolean {
    return (
      this.#sql(`UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`)
        .run(now + leaseMs, runId, workerId).changes === 1
    );
  }

  loadJournal(runId: string): JournalRow[] {
    return this.#sql('SELECT * FROM journal WHERE run_id = ? ORDER BY position').all(runId) as unknown as JournalRow[];
  }

  pendingStep(runId: string, position: number): PendingStep | undefined {
    const row = this.#sql('SELECT step_id, attempts, next_attempt_at, deadline, last_error FROM pending_steps WHERE run_id = ? AND position = ?')
      .get(runId, position) as { step_id: string; attempts: number; next_attempt_at: number; deadline: number | null; last_error: string | null } | undefined;
    return row && {
      stepId: row.step_id,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      deadline: row.deadline,
      lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as SerializedError),
    };
  }

  /**
   * Records that an attempt starts, before it runs, so a crash during it still counts; with
   * `atLeast`, the attempts the host reckoned (see core's attempt-gate.ts) when none were recorded.
   */
  beginAttempt(runId: string, workerId: string, position: number, stepId: string, now: number, atLeast = 1): number {
    return this.#fenced(runId, workerId, () => {
      this.#sql(
        `INSERT INTO pending_steps (run_id, position, step_id, attempts, started_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, position) DO UPDATE SET attempts = MAX(attempts + 1, excluded.attempts)`,
      ).run(runId, position, stepId, atLeast, now);
      return this.pendingStep(runId, position)!.attempts;
    });
  }

  /**
   * Creates the pending row of a sleep or signal wait with its deadline, once (an imported run has it
   * from the run it continues); returns the journaled one, with the step id it was created for.
   */
  ensureDeadline(runId: string, workerId: string, position: number, stepId: string, deadline: number | null, now: number): { stepId: string; deadline: number | null } {
    return this.#fenced(runId, workerId, () => {
      this.#sql(
        `INSERT INTO pending_steps (run_id, position, step_id, deadline, started_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, position) DO NOTHING`,
      ).run(runId, position, stepId, deadline, now);
      const pending = this.pendingStep(runId, position)!;
      return { stepId: pending.stepId, deadline: pending.deadline };
    });
  }

  scheduleRetry(runId: string, workerId: string, position: number, nextAttemptAt: number, error: SerializedError): void {
    this.#fenced(runId, workerId, () => {
      this.#sql('UPDATE pending_steps SET next_attempt_at = ?, last_error = ? WHERE run_id = ? AND position = ?')
        .run(nextAttemptAt, JSON.stringify(error), runId, position);
    });
  }

  /** Journals a step's result; resolves once it is committed. */
  append(workerId: string, row: JournalRow): Promise<void> {
    return this.#group.run(() => this.#checkLease(row.run_id, workerId, () => this.#insertEntry(row)));
  }

  /** Takes the oldest unconsumed signal of that name and journals it as the wait's result, atomically. */
  consumeSignal(workerId: string, row: Omit<JournalRow, 'output'>, signal: string): { payload: unknown } | undefined {
    return this.#fenced(row.run_id, workerId, () => {
      const found = this.#sql('SELECT id, payload FROM signals WHERE run_id = ? AND name = ? AND consumed_by IS NULL ORDER BY id LIMIT 1')
        .get(row.run_id, signal) as { id: number; payload: string } | undefined;
      if (!found) return undefined;
      const payload = JSON.parse(found.payload) as unknown;
      this.#sql('UPDATE signals SET consumed_by = ? WHERE id = ?').run(row.step_id, found.id);
      this.#insertEntry({ ...row, output: JSON.stringify({ received: true, payload }) });
      return { payload };
    });
  }

  /**
   * Releases the run until `wakeAt`. A signal or migration request that arrived during this execution
   * (the signal version moved) makes it due at once, so one sent while the run was deciding to wait
   * is never missed.
   */
  suspend(runId: string, workerId: string, wakeAt: number | undefined, seenSignalVersion: number, now: number): void {
    this.#fenced(runId, workerId, () => {
      this.#sql(
        `UPDATE runs SET status = 'waiting', lease_owner = NULL, lease_expires_at = 0, updated_at = ?,
           wake_at = CASE WHEN signal_version = ? THEN ? ELSE ? END
         WHERE id = ?`,
      ).run(now, seenSignalVersion, wakeAt ?? never, now, runId);
    });
  }

  /** Records the run's end; resolves once it is committed. */
  finish(runId: string, workerId: string, outcome: RunOutcome, now: number): Promise<void> {
    return this.#group.run(() => this.#checkLease(runId, workerId, () => {
      const values: SQLInputValue[] =
        outcome.status === 'completed'
          ? ['completed', JSON.stringify(outcome.output), null, null]
          : ['failed', null, JSON.stringify(outcome.error), JSON.stringify(outcome.compensations)];
      this.#sql(
        `UPDATE runs SET status = ?, output = ?, error = ?, compensations = ?, lease_owner = NULL, lease_expires_at = 0, updated_at = ?
         WHERE id = ?`,
      ).run(...values, now, runId);
    }));
  }

  deadLetter(runId: string, workerId: string, stepId: string | undefined, error: SerializedError, now: number): void {
    this.#fenced(runId, workerId, () => {
      this.#sql(
        `UPDATE runs SET status = 'dead-lettered', dead_letter = ?, lease_owner = NULL, lease_expires_at = 0, updated_at = ?
         WHERE id = ?`,
      ).run(JSON.stringify({ ...(stepId ? { stepId } : {}), error }), now, runId);
    });
  }

  /** Gives the run back without changing its state, so another worker can take it at once. */
  release(runId: string, workerId: string, now: number): void {
    this.#sql(`UPDATE runs SET status = 'pending', lease_owner = NULL, lease_expires_at = 0, wake_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ?`)
      .run(now, now, runId, workerId);
  }

  /** Stores a signal for the run; a migrated run refuses it (it belongs to the engine the run moved to). */
  signal(runId: string, name: string, payload: unknown, now: number): void {
    transaction(this.db, () => {
      const updated = this.#sql(
        `UPDATE runs SET signal_version = signal_version + 1, updated_at = ?,
           wake_at = CASE WHEN status = 'waiting' THEN ? ELSE wake_at END
         WHERE id = ? AND status != 'migrated'`,
      ).run(now, now, runId);
      if (updated.changes === 0) {
        const run = this.describe(runId); // throws RunNotFoundError for an unknown run
        throw new RunMigratedError(runId, run.migration?.to ?? 'unknown');
      }
      this.#sql('INSERT INTO signals (run_id, name, payload, created_at) VALUES (?, ?, ?, ?)').run(runId, name, JSON.stringify(payload), now);
    });
  }

  /** Resumes a dead-lettered run: the failed step starts over with a fresh attempt count. */
  redrive(runId: string, now: number): RunStatus {
    return transaction(this.db, () => {
      const run = this.#sql('SELECT status, dead_letter FROM runs WHERE id = ?').get(runId) as
        | { status: RunStatus; dead_letter: string | null }
        | undefined;
      if (!run) throw new RunNotFoundError(runId);
      if (run.status !== 'dead-lettered') return run.status;
      this.#sql('UPDATE pending_steps SET attempts = 0, next_attempt_at = 0, last_error = NULL WHERE run_id = ?').run(runId);
      this.#sql(`UPDATE runs SET status = 'pending', dead_letter = NULL, wake_at = ?, updated_at = ? WHERE id = ?`)
        .run(now, now, runId);
      return 'pending';
    });
  }

  describe(runId: string): RunDescription {
    const row = this.#sql('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new RunNotFoundError(runId);
    return toDescription(row);
  }

  list(limit: number): RunDescription[] {
    return (this.#sql('SELECT * FROM runs ORDER BY created_at DESC, id LIMIT ?').all(limit) as unknown as RunRow[]).map(toDescription);
  }

  #insertEntry(row: JournalRow): void {
    this.#sql(
      `INSERT INTO journal (run_id, position, step_id, kind, name, input_digest, input, status, output, error, attempts,
         started_at, completed_at, execution, compensable)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.run_id, row.position, row.step_id, row.kind, row.name, row.input_digest, row.input, row.status, row.output,
      row.error, row.attempts, row.started_at, row.completed_at, row.execution, row.compensable,
    );
    this.#sql('DELETE FROM pending_steps WHERE run_id = ? AND position = ?').run(row.run_id, row.position);
  }

  #fenced<T>(runId: string, workerId: string, work: () => T): T {
    return transaction(this.db, () => this.#checkLease(runId, workerId, work));
  }

  /** Inside a transaction: `work`, if this worker still holds the run's lease. */
  #checkLease<T>(runId: string, workerId: string, work: () => T): T {
    const owner = this.#sql('SELECT lease_owner FROM runs WHERE id = ?').get(runId) as { lease_owner: string | null } | undefined;
    if (owner?.lease_owner !== workerId) throw new ExecutionInterrupt('abandon');
    return work();
  }
}

interface RunRow {
  id: string;
  agent: string;
  status: RunStatus;
  executions: number;
  output: string | null;
  error: string | null;
  compensations: string | null;
  dead_letter: string | null;
  migration: string | null;
  seeded_steps: number | null;
  created_at: number;
  updated_at: number;
}

function toDescription(row: RunRow): RunDescription {
  const description: RunDescription = {
    runId: row.id,
    agent: row.agent,
    status: row.status,
    executions: row.executions,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.output !== null) description.output = JSON.parse(row.output);
  if (row.error !== null) description.error = JSON.parse(row.error) as SerializedError;
  if (row.compensations !== null) description.compensations = JSON.parse(row.compensations) as CompensationRecord[];
  if (row.dead_letter !== null) description.deadLetter = JSON.parse(row.dead_letter) as RunDescription['deadLetter'] & {};
  if (row.migration !== null) description.migration = JSON.parse(row.migration) as MigrationRecord;
  if (row.seeded_steps !== null) description.seededSteps = row.seeded_steps;
  return description;
}
