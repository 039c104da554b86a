import type { Workload } from '../workloads/workload.ts';

/**
 * One way of running the bench's workloads on an engine: through Ratchet, or with the engine's own
 * SDK directly ("bare"). Every worker runs in this process so the probe times both on one clock.
 */
export interface BenchSide {
  readonly label: 'ratchet' | 'bare';
  /**
   * Workers keep nothing between requests (Inngest: every request replays the run from the server's
   * memo), so a new worker has nothing to recover when it starts: recovery is timed from the signal,
   * with the new worker already up.
   */
  readonly stateless?: boolean;
  /** Starts a worker hosting every workload; resolves once it takes work. */
  startWorker(): Promise<Stoppable>;
  /** Starts a run; its no-op steps and completions mark the probe as they run. */
  startRun(runId: string, workload: Workload): Promise<void>;
  /** Resolves once the run has finished (not timed: the clients' result polling differs). */
  awaitCompleted(runId: string): Promise<void>;
  /** Resolves once a recovery run has journaled its steps and waits for its signal. */
  awaitWaiting(runId: string): Promise<void>;
  /** Sends a recovery run its `go` signal: with a worker up, the run goes on at once. */
  signal(runId: string): Promise<void>;
  /**
   * After a signal sent while no worker is up: resolves once a worker started now would be handed
   * the run at once (Temporal: once it has left the stopped worker's sticky queue; Restate: once the
   * delivery has failed to reach a worker and backs off). Undefined where that is at once.
   */
  awaitDispatchable?(runId: string): Promise<void>;
  /**
   * For engines that retry a stopped worker's run on a backoff timer: asks the engine to retry now,
   * right after a new worker started (inside the timed recovery, the same call on both sides), so
   * the engine's retry schedule, which is not Ratchet's doing, stays out of the figure.
   */
  resume?(runId: string): Promise<void>;
  /** What the engine stored for the run that `run` performs (it returns the run id). */
  storedBytes(run: () => Promise<string>): Promise<StoredBytes>;
  close(): Promise<void>;
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * `payload`: the bytes of the records themselves (SQLite's record payload; Temporal's history events
 * as encoded protobuf). `pages`: the storage pages they took, where the engine has pages (SQLite).
 */
export interface StoredBytes {
  payload: number;
  pages?: number;
}
