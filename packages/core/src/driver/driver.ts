import type { CompensationRecord } from '../errors/errors.ts';
import type { SerializedError } from '../errors/ratchet-error.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import type { Usage } from '../model/completion.ts';
import type { AgentDeclaration } from '../declarations/agent.ts';
import type { EffectResult, EffectTarget } from '../runtime/durable-host.ts';
import type { EffectContext } from '../worker/implementation.ts';
import type { RunOptions } from '../runtime/run-options.ts';
import type { MigrationRecord, SeededJournal } from '../journal/seeded-journal.ts';
import type { PayloadCodec } from '../payloads/payload-codec.ts';
import type { JournalPayloads, PayloadOffload } from '../payloads/journal-payloads.ts';

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
  /**
   * The driver's `codec` and `offload` options: every payload a run journals is sealed with the
   * codec and, above the threshold, put in the store, on the client and on the worker, by core (or
   * by the driver, where `capabilities.encodesPayloads`).
   */
  readonly codec?: PayloadCodec;
  readonly offload?: PayloadOffload;
  connectClient(): Promise<DriverClient>;
  /** Hosts runs of the runner's agents; each execution calls `executeAgent` over a `DurableHost`. */
  createWorker(runner: EffectRunner, options?: DriverWorkerOptions): Promise<DriverWorker>;
}

/**
 * What a driver's worker is given: the worker's agents, and the one way to run an effect (a step's
 * or tool's implementation, a completion on its route, a prompt, a compensation). Core builds it
 * from the user's registry in `createWorker`; a driver calls `execute` for each attempt and never
 * builds one, so an effect means the same thing on every engine.
 */
export interface EffectRunner {
  readonly agents: ReadonlyMap<string, AgentDeclaration>;
  /** How core encodes payloads on this worker (codec, offload): pass it to `executeAgent`. */
  readonly payloads?: JournalPayloads;
  execute(target: EffectTarget, input: unknown, context: EffectContext): Promise<EffectResult>;
}

/**
 * What a driver can and cannot do, declared by the driver and checked when a worker is created: a
 * worker asked for something its driver cannot do is refused with `CapabilityError` naming the
 * driver, instead of the option being ignored.
 */
export interface DriverCapabilities {
  /** Largest journaled payload (input or output) the engine accepts, in bytes. */
  maxPayloadBytes?: number;
  /**
   * What `DriverWorkerOptions.concurrency` bounds on this driver: the `runs` one worker executes at
   * once (local), or the `effects` it runs at once (Temporal's activity slots); `engine` when the
   * engine decides how much work it sends a worker and the option cannot be honoured.
   */
  workerConcurrency: 'runs' | 'effects' | 'engine';
  /**
   * True when the driver applies its `codec` and `offload` at the engine's own payload boundary
   * (Temporal's PayloadCodec), so core leaves payloads as they are; otherwise core encodes them
   * around the driver.
   */
  encodesPayloads?: boolean;
}

export interface DriverWorkerOptions {
  /** How much one worker runs at once; what it counts is `DriverCapabilities.workerConcurrency`. */
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
  /**
   * Set when the run continues another run's journal (import, migration, fork). Keep it with the
   * run: every execution answers its first steps from `seeded.entries` (core's `JournalPrefixHost`,
   * or the driver's own journal), `seeded.signals` are delivered before any signal sent to this
   * run, `seeded.openWait` resumes with its original deadline, and `readJournal` returns
   * `seeded.entries` followed by the run's own.
   */
  seeded?: SeededJournal;
}

/** How a run was started: what a portable journal needs besides the entries. */
export interface RunStart {
  input: unknown;
  inputDigest: string;
  seed: string;
  options?: RunOptions;
}

/** `migrated`: the run stopped at a safe point and moved to another engine (see `migration`); it is over here. */
export type RunStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'dead-lettered' | 'migrated';

export const terminalStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'dead-lettered', 'migrated']);

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
  /** For a migrated run: where it went, where it stopped, and the signals it handed over. */
  migration?: MigrationRecord;
  /** For a run started from another run's journal (import, migration, fork): how many of its first entries were carried over. */
  seededSteps?: number;
}

/** A run's end, as steering it needs to know: over, or moved to the driver `to`. */
export type RunEnd = { status: 'completed' | 'failed' } | { status: 'migrated'; to: string };

export interface DriverClient {
  /** Idempotent by run id: `created` is false when the run already existed. */
  startRun(request: StartRunRequest): Promise<{ created: boolean; agent: string; inputDigest: string }>;
  /** Throws `RunMigratedError` for a migrated run: the signal belongs to the engine it moved to. */
  signalRun(runId: string, name: string, payload: unknown): Promise<void>;
  describeRun(runId: string): Promise<RunDescription>;
  /**
   * Optional, for a driver whose `describeRun` costs more than a look at the run's end: whether the
   * run ended (`RunNotFoundError` for an unknown one), which steering a run (signal, approve,
   * redrive) checks first. Without it, core reads `describeRun`.
   */
  readRunEnd?(runId: string): Promise<RunEnd | undefined>;
  /** The input, digest, seed and options the run was started with. */
  readRunStart(runId: string): Promise<RunStart>;
  /**
   * Asks a live run to stop at its next safe point and end as `migrated` with a `MigrationRecord`.
   * Safe points: before a step that has no journal entry yet (a retry backoff included), and inside
   * a sleep or signal wait, which the request must wake. The request is durable: a worker that dies
   * first leaves it to the next one. Idempotent; a run already ended is left as it is.
   */
  requestMigration(runId: string, to: string): Promise<void>;
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
