import type { CompensationRecord } from '../errors/errors.ts';
import type { SerializedError } from '../errors/ratchet-error.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import type { Usage } from '../model/completion.ts';
import type { EffectExecutor } from '../worker/effect-executor.ts';
import type { RunOptions } from '../runtime/run-options.ts';

/**
 * The driver specification: the durable primitives of one engine, plus the few client and worker
 * operations around a run. Drivers are composed from this, never subclassed from one another.
 * Users do not call these methods; they use `createClient(driver)` and `createWorker(driver, ...)`.
 */
export interface Driver {
  readonly specificationVersion: 'ratchet.driver.v1';
  /** `local`, `temporal`, `restate`, `inngest`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  connectClient(): Promise<DriverClient>;
  /** Hosts runs of the executor's agents; each execution calls `executeAgent` over a `DurableHost`. */
  createWorker(executor: EffectExecutor, options?: DriverWorkerOptions): Promise<DriverWorker>;
}

export interface DriverCapabilities {
  /** Largest journaled payload (input or output) the engine accepts, in bytes. */
  maxPayloadBytes?: number;
}

export interface DriverWorkerOptions {
  /** How many runs one worker executes at once. */
  concurrency?: number;
}

export interface StartRunRequest {
  runId: string;
  agent: string;
  input: unknown;
  inputDigest: string;
  seed: string;
  /** Per-run settings over the agent's defaults; pass them back to `executeAgent` on every execution. */
  options?: RunOptions;
}

export type RunStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'dead-lettered';

export const terminalStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'dead-lettered']);

export interface RunDescription {
  runId: string;
  agent: string;
  status: RunStatus;
  /** Executions so far: more than one means it resumed after a crash, a wait or a backoff. */
  executions: number;
  createdAt: number;
  updatedAt: number;
  output?: unknown;
  error?: SerializedError;
  compensations?: CompensationRecord[];
  /** For a dead-lettered run: the step it stopped at and why. */
  deadLetter?: { stepId?: string; error: SerializedError };
  /** Total token usage of the run's completions, and their cost where the models' prices are known. */
  usage?: Usage & { costUsd: number };
}

export interface DriverClient {
  /** Idempotent by run id: `created` is false when the run already existed. */
  startRun(request: StartRunRequest): Promise<{ created: boolean; agent: string; inputDigest: string }>;
  signalRun(runId: string, name: string, payload: unknown): Promise<void>;
  describeRun(runId: string): Promise<RunDescription>;
  /** Resolves when the run is completed, failed or dead-lettered (or the timeout passes). */
  awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription>;
  readJournal(runId: string): Promise<JournalEntry[]>;
  redriveRun(runId: string): Promise<void>;
  listRuns(options?: { limit?: number }): Promise<RunDescription[]>;
  close(): Promise<void>;
}

export interface DriverWorker {
  /** Resolves once the worker is polling for runs. */
  start(): Promise<void>;
  /** Stops taking runs, aborts the ones in flight (they resume elsewhere) and releases resources. */
  stop(): Promise<void>;
}
