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

/** How long, and how many, requests for runs with no execution here are kept (see `#early`). */
const keepEarlyMs = 60_000;
const keptEarly = 1_000;

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
  /**
   * Requests noted for runs with no execution here yet: a run's first execution asks the ledger
   * nothing, and the request may come in just before it starts. Kept a while, then dropped (the
   * ledger has them for the executions after).
   */
  readonly #early = new Map<string, { migration: MigrationRequest; at: number }>();

  /** Watches a run for one execution; `release` it when the execution ends. */
  watch(runKey: string): WatchedRun {
    const early = this.#early.get(runKey);
    if (early && performance.now() - early.at > keepEarlyMs) this.#early.delete(runKey);
    const watched: WatchedRun = { migration: this.#early.get(runKey)?.migration, askedAt: performance.now(), asking: false };
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
    const executions = this.#runs.get(runKey);
    if (!executions) {
      // Bounded: the oldest noted request goes first (Map keeps insertion order).
      if (this.#early.size >= keptEarly) this.#early.delete(this.#early.keys().next().value!);
      this.#early.set(runKey, { migration, at: performance.now() });
    }
    for (const watched of executions ?? []) watched.migration ??= migration;
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
