import type { AgentDeclaration } from '../declarations/agent.ts';
import { approvalSignalName } from '../context/context-impl.ts';
import { ConfigError, InputValidationError, RunConflictError, RunDeadLetteredError, RunFailedError } from '../errors/errors.ts';
import { digest } from '../journal/digest.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import type { SerializedError } from '../errors/ratchet-error.ts';
import type { Usage } from '../model/completion.ts';
import { validate } from '../util/validation.ts';
import { runOptionsSchema, type RunOptions } from '../runtime/run-options.ts';
import type { Driver, DriverClient, RunDescription } from './driver.ts';

export interface RunHandle<O> {
  readonly runId: string;
  /** False when a run with this id already existed (start is idempotent by run id). */
  readonly created: boolean;
  result(options?: { timeoutMs?: number }): Promise<O>;
}

export interface ApprovalDecision {
  by?: string;
  comment?: string;
}

/**
 * The client users hold, the same over every driver: it validates input before a run exists,
 * makes start idempotent by run id, and turns a run's end into a value or a typed error.
 */
export class RatchetClient {
  readonly #client: DriverClient;

  constructor(client: DriverClient) {
    this.#client = client;
  }

  /**
   * Starts a run. Invalid input throws `InputValidationError` and nothing is created. Starting again
   * with the same `runId` returns the existing run; a different agent or input throws `RunConflictError`.
   */
  async start<I, O, In>(agent: AgentDeclaration<I, O, In>, input: In, options: { runId?: string } & RunOptions = {}): Promise<RunHandle<O>> {
    const parsed = validate(agent.input, input, (issues) => new InputValidationError(agent.name, issues));
    const { runId: requestedId, ...settings } = options;
    const runOptions = validate(runOptionsSchema, settings, (issues) => new ConfigError(`Invalid run options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues }));
    const runId = requestedId ?? crypto.randomUUID();
    const inputDigest = digest(parsed);
    // The seed of ctx.random()/uuid() is the run id: the same sequence on every replay and every engine.
    const started = await this.#client.startRun({
      runId,
      agent: agent.name,
      input: parsed,
      inputDigest,
      seed: runId,
      ...(Object.keys(runOptions).length ? { options: runOptions } : {}),
    });
    if (!started.created && started.agent !== agent.name) throw new RunConflictError(runId, `for agent "${started.agent}"`);
    if (!started.created && started.inputDigest !== inputDigest) throw new RunConflictError(runId, 'with a different input');
    return { runId, created: started.created, result: (opts) => this.result<O>(runId, opts) };
  }

  /**
   * Waits for the run to end: its output, or `RunFailedError` (with the original error and the
   * compensations) or `RunDeadLetteredError` (redrive it after a fix).
   */
  async result<O = unknown>(runId: string, options: { timeoutMs?: number } = {}): Promise<O> {
    const run = await this.#client.awaitRun(runId, options.timeoutMs);
    if (run.status === 'completed') return run.output as O;
    if (run.status === 'dead-lettered') throw new RunDeadLetteredError(runId, run.deadLetter?.stepId, run.deadLetter?.error ?? unrecorded);
    throw new RunFailedError(runId, run.error ?? unrecorded, run.compensations ?? []);
  }

  signal(runId: string, name: string, payload: unknown = null): Promise<void> {
    return this.#client.signalRun(runId, name, payload);
  }

  approve(runId: string, name: string, decision: ApprovalDecision = {}): Promise<void> {
    return this.signal(runId, approvalSignalName(name), { approved: true, ...decision });
  }

  reject(runId: string, name: string, decision: ApprovalDecision = {}): Promise<void> {
    return this.signal(runId, approvalSignalName(name), { approved: false, ...decision });
  }

  /** The run's state, with the token usage of its completions. */
  async describe(runId: string): Promise<RunDescription> {
    const [run, journal] = await Promise.all([this.#client.describeRun(runId), this.#client.readJournal(runId)]);
    return { ...run, usage: totalUsage(journal) };
  }

  /** The run's journal, read back from the engine in the common entry model. */
  journal(runId: string): Promise<JournalEntry[]> {
    return this.#client.readJournal(runId);
  }

  /** Resumes a dead-lettered run at the step it stopped at. */
  redrive(runId: string): Promise<void> {
    return this.#client.redriveRun(runId);
  }

  listRuns(options?: { limit?: number }): Promise<RunDescription[]> {
    return this.#client.listRuns(options);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** What a driver reports when an engine kept no error for a failed run. */
const unrecorded: SerializedError = { name: 'Error', kind: 'unknown', message: 'the engine recorded no error', retryable: false };

export async function createClient(driver: Driver): Promise<RatchetClient> {
  return new RatchetClient(await driver.connectClient());
}

function totalUsage(journal: JournalEntry[]): Usage & { costUsd: number } {
  const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 };
  for (const entry of journal) {
    if (!entry.completion) continue;
    usage.inputTokens += entry.completion.usage.inputTokens;
    usage.outputTokens += entry.completion.usage.outputTokens;
    usage.totalTokens += entry.completion.usage.totalTokens;
    usage.costUsd += entry.completion.costUsd ?? 0;
  }
  return usage;
}
