/** One execution's view of its run's migration request. */
export interface WatchedRun<M extends { to: string } = { to: string }> {
  migration: M | undefined;
  /** When the engine was last asked (`performance.now()`), or a question is out. */
  askedAt: number;
  asking: boolean;
}

/** How often an execution that keeps running steps asks the engine for a request. */
export const askEveryMs = 1_000;

/** How long, and how many, requests for runs with no execution here are kept (see `#early`). */
const keepEarlyMs = 60_000;
const keptEarly = 1_000;

/**
 * The migration requests of the runs a worker process is executing, so that a step learns of one
 * without a call before it runs. An execution starts with what the engine said when it began (or,
 * `asked: false`, asks at its first step, in the background); the driver notes a request at once
 * for the executions in the process that handles it (always, with one worker); and an execution
 * that keeps running steps asks again every second, for a request that reached another process
 * (or that the engine learnt just after it was asked). Whatever a step learns is journaled as its
 * stop record, so a replay stops at the same place.
 */
export class MigrationWatch<M extends { to: string } = { to: string }> {
  readonly #runs = new Map<string, Set<WatchedRun<M>>>();
  /**
   * Requests noted for runs with no execution here yet: an execution that asks the engine nothing
   * as it starts (Restate's first) may begin just after the request came in. Kept a while, then
   * dropped (the engine has them for the executions after).
   */
  readonly #early = new Map<string, { migration: M; at: number }>();

  /** Watches a run for one execution; `release` it when the execution ends. */
  watch(runKey: string, { asked = true }: { asked?: boolean } = {}): WatchedRun<M> {
    const early = this.#early.get(runKey);
    if (early && performance.now() - early.at > keepEarlyMs) this.#early.delete(runKey);
    const watched: WatchedRun<M> = { migration: this.#early.get(runKey)?.migration, askedAt: asked ? performance.now() : -Infinity, asking: false };
    const executions = this.#runs.get(runKey) ?? new Set();
    executions.add(watched);
    this.#runs.set(runKey, executions);
    return watched;
  }

  release(runKey: string, watched: WatchedRun<M>): void {
    const executions = this.#runs.get(runKey);
    executions?.delete(watched);
    if (executions?.size === 0) this.#runs.delete(runKey);
  }

  /** A request was accepted for the run: its executions here stop at their next step. */
  note(runKey: string, migration: M): void {
    const executions = this.#runs.get(runKey);
    if (!executions) {
      // Bounded: the oldest noted request goes first (Map keeps insertion order).
      if (this.#early.size >= keptEarly) this.#early.delete(this.#early.keys().next().value!);
      this.#early.set(runKey, { migration, at: performance.now() });
    }
    for (const watched of executions ?? []) watched.migration ??= migration;
  }

  /** Asks `ask` (the engine) in the background when the last answer is older than `askEveryMs`. */
  refresh(watched: WatchedRun<M>, ask: () => Promise<M | undefined>): void {
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
