import { randomUUID } from 'node:crypto';
import { ExecutionInterrupt, executeAgent, serializeError, type DriverWorker, type EffectRunner } from '@ratchet/core';
import { LocalHost } from './host.ts';
import type { ClaimedRun, RunStore } from './run-store.ts';
import { onRunsChanged } from './wakeups.ts';

export interface LocalWorkerOptions {
  /** The database file, whose clients in this process wake the worker (see wakeups.ts). */
  path: string;
  /** How long a claimed run stays this worker's without a heartbeat; a dead worker's runs move on after it. */
  leaseMs: number;
  /** How often an idle worker looks for due runs. */
  pollIntervalMs: number;
  concurrency: number;
  /** Called with errors that are the driver's own (a database failure), not a run's. */
  onError?: (error: unknown) => void;
}

/**
 * Polls the database for due runs of its agents, leases them, and executes each over a `LocalHost`.
 * The lease is renewed while the execution runs; if renewal fails (the worker stalled past the lease
 * and another took over) the execution is aborted and writes nothing more.
 */
export class LocalWorker implements DriverWorker {
  readonly id = `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #store: RunStore;
  readonly #executor: EffectRunner;
  readonly #options: LocalWorkerOptions;
  readonly #active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Set by anything that may have made a run claimable; the loop then looks again before it waits. */
  #wakeRequested = false;
  #wakeWaiter: (() => void) | undefined;
  /** Timers for the wake-ups of runs this worker suspended, so a sleep ends on time, not at the next poll. */
  readonly #wakeTimers = new Set<NodeJS.Timeout>();
  #unsubscribe: (() => void) | undefined;

  constructor(store: RunStore, executor: EffectRunner, options: LocalWorkerOptions) {
    this.#store = store;
    this.#executor = executor;
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#unsubscribe ??= onRunsChanged(this.#options.path, () => this.#wake());
    this.#loop ??= this.#poll();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    for (const timer of this.#wakeTimers) clearTimeout(timer);
    this.#wake();
    for (const { abort } of this.#active.values()) abort.abort();
    await this.#loop;
    await Promise.all([...this.#active.values()].map(({ done }) => done));
  }

  async #poll(): Promise<void> {
    const agents = [...this.#executor.agents.keys()];
    while (!this.#stopping) {
      try {
        const free = this.#options.concurrency - this.#active.size;
        for (const run of this.#store.claim(this.id, agents, Date.now(), this.#options.leaseMs, free)) this.#execute(run);
      } catch (error) {
        this.#options.onError?.(error);
      }
      if (!this.#wakeRequested) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.pollIntervalMs);
          this.#wakeWaiter = () => (clearTimeout(timer), resolve());
        });
      }
      this.#wakeWaiter = undefined;
      this.#wakeRequested = false;
    }
  }

  #wake(): void {
    this.#wakeRequested = true;
    this.#wakeWaiter?.();
  }

  /** Looks for work again once `wakeAt` has passed (a millisecond after: claims compare with `<=`). */
  #wakeAt(wakeAt: number): void {
    const timer = setTimeout(() => {
      this.#wakeTimers.delete(timer);
      this.#wake();
    }, Math.max(0, wakeAt - Date.now() + 1));
    this.#wakeTimers.add(timer);
  }

  #execute(run: ClaimedRun): void {
    const abort = new AbortController();
    // The lease as this worker last wrote it (claimed just now): a host that finds it passed (the
    // process stalled) asks the database before it starts a step.
    const lease = { expiresAt: Date.now() + this.#options.leaseMs };
    const heartbeat = setInterval(() => {
      try {
        const now = Date.now();
        if (this.#store.renewLease(run.id, this.id, now, this.#options.leaseMs)) lease.expiresAt = now + this.#options.leaseMs;
        else abort.abort();
      } catch (error) {
        this.#options.onError?.(error);
      }
    }, Math.max(10, Math.floor(this.#options.leaseMs / 3)));
    const done = this.#runOnce(run, abort.signal, lease)
      .catch((error) => this.#options.onError?.(error))
      .finally(() => {
        clearInterval(heartbeat);
        this.#active.delete(run.id);
        this.#wake(); // a slot is free: look for more work now
      });
    this.#active.set(run.id, { abort, done });
  }

  async #runOnce(run: ClaimedRun, signal: AbortSignal, lease: { expiresAt: number }): Promise<void> {
    const agent = this.#executor.agents.get(run.agent)!;
    const host = new LocalHost(run, { store: this.#store, executor: this.#executor, workerId: this.id, signal, lease });
    try {
      const outcome = await executeAgent(agent, run.input, host, run.options, this.#executor.payloads);
      await host.settle();
      await this.#store.finish(run.id, this.id, outcome, Date.now());
    } catch (error) {
      await host.settle();
      if (!ExecutionInterrupt.isInstance(error)) throw error;
      if (error.reason === 'abandon' || signal.aborted) {
        this.#store.release(run.id, this.id, Date.now());
      } else if (error.reason === 'suspend') {
        this.#store.suspend(run.id, this.id, error.details.wakeAt, run.signalVersion, Date.now());
        if (error.details.wakeAt !== undefined) this.#wakeAt(error.details.wakeAt);
      } else if (error.reason === 'migrate') {
        this.#store.migrated(run.id, this.id, error.details.openWait, Date.now());
      } else {
        this.#store.deadLetter(run.id, this.id, error.details.stepId, serializeError(error.details.error), Date.now());
      }
    }
  }
}

