import type { RatchetClient, RunHandle } from '../driver/client.ts';
import { MigrationError, RunMigratedError } from '../errors/migration-errors.ts';
import { RatchetError } from '../errors/ratchet-error.ts';
import type { PortableJournal } from '../journal/portable-journal.ts';

export type MigrationPhase = 'requesting' | 'stopping' | 'exporting' | 'importing' | 'done';

export interface MigrateOptions {
  /** How long to wait for a source worker to reach a safe point (default 120 s). The request stays either way. */
  timeoutMs?: number;
  /** Called as the migration moves on, for a progress display. */
  onProgress?: (phase: MigrationPhase, detail: string) => void;
}

export interface MigrationResult {
  runId: string;
  from: string;
  to: string;
  /** Steps carried over, answered on the target from the journal. */
  steps: number;
  /** False when the run was already on the target (a repeated migrate). */
  created: boolean;
  /** The source's journal as it was handed over. */
  journal: PortableJournal;
  handle: RunHandle<unknown>;
}

/**
 * Moves an in-flight run from the engine `from` talks to onto the one `to` talks to, under the same
 * run id. The source run stops at its next safe point (a step boundary, or inside a sleep or signal
 * wait) and ends there as `migrated`; only then is it imported on the target, which answers every
 * journaled step from the document, delivers the signals the source had not consumed, and resumes
 * an open wait with its original deadline. At no moment do two engines run it.
 *
 * Every phase is idempotent, so a migration cut short (the migrating process died, a worker was
 * killed, the timeout passed) is finished by running it again. A run already migrated elsewhere
 * throws `RunMigratedError` naming where; one that ended before a safe point throws `MigrationError`.
 *
 * @example
 * const moved = await migrateRun(localClient, temporalClient, 'ticket-4711');
 * await temporalClient.approve(moved.runId, 'file', { by: 'dana' });
 */
export async function migrateRun(from: RatchetClient, to: RatchetClient, runId: string, options: MigrateOptions = {}): Promise<MigrationResult> {
  const progress = options.onProgress ?? (() => {});
  const run = await from.describe(runId);
  if (run.status === 'migrated' && run.migration?.to !== to.driver) throw new RunMigratedError(runId, run.migration?.to ?? 'unknown');
  if (run.status === 'completed' || run.status === 'failed') {
    throw new MigrationError(runId, `Run "${runId}" already ${run.status} on ${from.driver}: there is nothing left to move (export and import it to copy its history)`, { status: run.status });
  }
  if (run.status === 'dead-lettered') {
    throw new MigrationError(runId, `Run "${runId}" is dead-lettered on ${from.driver}: redrive it there first, or fork it`, { status: run.status });
  }

  if (run.status !== 'migrated') {
    // A run of that id on the target already (or the target is this very engine) would be a second live run.
    const onTarget = await to.describe(runId).then(() => true, (error: unknown) => {
      if (RatchetError.isInstance(error) && error.kind === 'run-not-found') return false;
      throw error;
    });
    if (onTarget) {
      throw new MigrationError(runId, `A run "${runId}" already exists on the target ${to.driver} (is it the same engine as the source?); nothing was stopped`);
    }
    progress('requesting', `asking ${from.driver} to stop ${runId} at its next safe point`);
    await from.requestMigration(runId, to.driver);
    progress('stopping', `waiting for a ${from.driver} worker to stop ${runId}`);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const stopped = await from.settled(runId, timeoutMs).catch((error: unknown) => {
      throw new MigrationError(
        runId,
        `No ${from.driver} worker stopped run "${runId}" within ${timeoutMs} ms. The request stands: it stops at its next safe point once a worker hosts it; run the migration again then`,
        { cause: String(error) },
      );
    });
    if (stopped.status !== 'migrated') {
      throw new MigrationError(runId, `Run "${runId}" ${stopped.status} on ${from.driver} before it reached a safe point; it was not moved`, { status: stopped.status });
    }
    if (stopped.migration?.to !== to.driver) throw new RunMigratedError(runId, stopped.migration?.to ?? 'unknown');
  }

  progress('exporting', `reading the journal of ${runId} from ${from.driver}`);
  const journal = await from.export(runId, { sealed: false });
  progress('importing', `continuing ${runId} on ${to.driver} from ${journal.entries.length} journaled step(s)`);
  const handle = await to.import(journal);
  progress('done', `${runId} now runs on ${to.driver}`);
  return { runId, from: from.driver, to: to.driver, steps: journal.entries.length, created: handle.created, journal, handle };
}
