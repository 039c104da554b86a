import type { MigrationRequest } from './protocol.ts';

/** One execution's view of its run's migration request. */
export interface WatchedRun {
  migration: MigrationRequest | undefined;
  /** When the ledger was last asked (`performance.now()`), or a question is out. */
  askedAt: number;
  asking: boolean;
}

/** How often an execution that keeps running steps asks the ledger for a request. */
export const askEveryMs = 1_000;

/**
 * The migration requests of the runs this worker is executing, so that a step learns of one without
 * a call before it runs. An execution starts with the ledger's answer; the workflow's `migrate`
 * handler, which the run's signal queue calls when it accepts a request, notes it here at once when
 * it runs in the process executing the run (always, with one worker); and an execution that keeps
 * running steps asks the ledger again every second, for a request that reached another worker (or
 * that the ledger learnt just after this execution asked it).
 * Whatever a step learns is journaled as its stop marker, so a replay stops at the same place.
 */
export class MigrationWatch {
  readonly #runs = new Map<string, Set<WatchedRun>>();

  /** Watches a run for one execution; `release` it when the execution ends. */
  watch(runKey: string): WatchedRun {
    const watched: WatchedRun = { migration: undefined, askedAt: performance.now(), asking: false };
    const executions = this.#runs.get(runKey) ?? new Set();
    executions.add(watched);
    this.#runs.set(runKey, executions);
    return watched;
  }

  release(runKey: string, watched: WatchedRun): void {
    const executions = this.#runs.get(runKey);
    executions?.delete(watched);
    if (executions?.size === 0) this.#runs.delete(runKey);
  }

  /** A request was accepted for the run: its executions here stop at their next step. */
  note(runKey: string, migration: MigrationRequest): void {
    for (const watched of this.#runs.get(runKey) ?? []) watched.migration ??= migration;
  }

  /** Asks `ask` (the ledger) in the background when the last answer is older than `askEveryMs`. */
  refresh(watched: WatchedRun, ask: () => Promise<MigrationRequest | undefined>): void {
    if (watched.migration || watched.asking || performance.now() - watched.askedAt < askEveryMs) return;
    watched.asking = true;
    ask().then(
      (migration) => {
        watched.migration ??= migration;
        watched.asking = false;
        watched.askedAt = performance.now();
      },
      // Asked again a second later; the request also reaches the run at its next wait or execution.
      () => {
        watched.asking = false;
        watched.askedAt = performance.now();
      },
    );
  }
}
