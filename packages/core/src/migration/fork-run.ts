import type { RatchetClient, RunHandle } from '../driver/client.ts';
import { MigrationError } from '../errors/migration-errors.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import { contiguousPrefix } from '../journal/portable-journal.ts';

export interface ForkOptions {
  /** The first step the fork runs itself: a step id (`llm:draft#1`) or a position. Earlier steps are answered from the source's journal. */
  at: string | number;
  /** The fork's run id (default `{runId}~fork-{position}`). */
  runId?: string;
  /** Where the fork runs (default: the source's engine). */
  into?: RatchetClient;
}

export interface ForkResult {
  runId: string;
  from: string;
  /** The position of the first step the fork runs itself. */
  at: number;
  handle: RunHandle<unknown>;
}

/**
 * Starts a new run from any run, live or finished, seeded with the source's journal before step
 * `at`: those steps are answered from the journal (no completion is asked again, no tool runs
 * again), and the fork runs everything from `at` on with the code, prompts and routes its worker
 * has now. It keeps the source's input and seed (so `ctx.random()` replays the same), but it is a
 * new run: effects from `at` on run under its own idempotency keys `{forkRunId}:{stepId}`, and the
 * source's effects before `at` are not the fork's to undo: none of them is compensated if the fork
 * fails. The source run is not touched.
 *
 * @example
 * const retry = await forkRun(client, 'research-42', { at: 'llm:draft#1', runId: 'research-42-b' });
 */
export async function forkRun(source: RatchetClient, runId: string, options: ForkOptions): Promise<ForkResult> {
  const journal = await source.export(runId, { sealed: false });
  // A live run's journal may have a gap (a step beside one in flight): a fork can start at most there.
  const entries = contiguousPrefix(journal.entries as JournalEntry[]);
  const at = typeof options.at === 'number' ? options.at : entries.findIndex((entry) => entry.stepId === options.at);
  if (at < 0 || at > entries.length || !Number.isInteger(at)) {
    const steps = entries.map((entry) => entry.stepId);
    throw new MigrationError(
      runId,
      `Run "${runId}" has no step ${JSON.stringify(options.at)} to fork at; its journal holds ${steps.length ? steps.join(', ') : 'no steps'} (or a position 0..${entries.length})`,
      { at: options.at, steps },
    );
  }
  const forkId = options.runId ?? `${runId}~fork-${at}`;
  if (forkId === runId) throw new MigrationError(runId, 'A fork needs a run id of its own');
  const target = options.into ?? source;
  const seededEntries = entries.slice(0, at).map((entry) => ({ ...entry, compensable: false }));
  const start = { input: journal.run.input, inputDigest: journal.run.inputDigest, seed: journal.run.seed, ...(journal.run.options ? { options: journal.run.options } : {}) };
  const handle = await target.startSeeded(forkId, journal.run.agent, start, { entries: seededEntries, signals: [] });
  return { runId: forkId, from: runId, at, handle };
}
