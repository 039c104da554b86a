import { randomUUID } from 'node:crypto';
import {
  pollUntilEnded,
  RunMigratedError,
  RunNotFoundError,
  terminalStatuses,
  type DriverClient,
  type JournalEntry,
  type RunDescription,
  type RunStart,
  type RunStatus,
  type StartRunRequest,
} from '@ratchet/core';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { memoKeys, migrateSignalName, redriveSignalName, type DeadLetterMemo, type MigrateRequest, type RunArgs } from './protocol.ts';
import { joinChain, readRunHistory, runStartOf, type RunHistory } from './journal.ts';
import { assertRunStartSize } from './payload-limit.ts';
import { decodePayloadsIn, type TemporalPayloads } from './payload-codec.ts';

export interface TemporalClientOptions {
  taskQueue: string;
  /** How often `awaitRun` asks the server for the run's state. */
  pollIntervalMs: number;
  /** Decodes the payloads of histories read from the raw service (the client's own calls decode theirs). */
  payloads?: TemporalPayloads;
  /** Whether large payloads go to a payload store: the start of a run is then not held to Temporal's payload limit. */
  offloads: boolean;
}

/**
 * The Temporal driver's client. A run is a workflow: id = run id, type = agent name. Its journal
 * and its outcome are read back from the workflow's history; only a parked (dead-lettered) run's
 * reason lives in its memo, where the workflow put it.
 *
 * A long run is a chain of workflow runs (continue-as-new) under the one workflow id. Signals,
 * descriptions and results address the workflow id, so they reach the chain's latest run; the
 * journal is read from every run of the chain.
 *
 * A seeded run carries its `seeded` journal in the workflow's input. A migration request is the
 * `__ratchet_migrate` signal; the run stops itself at its next safe point and closes as failed with
 * the `RatchetRunMigrated` type, which reads back as `migrated`.
 */
export class TemporalClient implements DriverClient {
  readonly #client: Client;
  readonly #options: TemporalClientOptions;

  constructor(client: Client, options: TemporalClientOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** A seeded run's journal travels in the workflow's input: one over Temporal's payload limit is refused here, before anything starts. */
  async startRun(request: StartRunRequest) {
    const args: RunArgs = {
      input: request.input,
      seed: request.seed,
      ...(request.options ? { options: request.options } : {}),
      ...(request.seeded ? { seeded: request.seeded } : {}),
    };
    if (!this.#options.offloads) assertRunStartSize(request.runId, args);
    try {
      await this.#client.workflow.start(request.agent, {
        workflowId: request.runId,
        taskQueue: this.#options.taskQueue,
        args: [args],
        memo: { [memoKeys.inputDigest]: request.inputDigest },
        // A run id is never reused, not even after the run ended: a second start finds the first.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      });
      return { created: true, agent: request.agent, inputDigest: request.inputDigest };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const existing = await this.#describe(request.runId);
      return { created: false, agent: existing.type, inputDigest: String(existing.memo?.[memoKeys.inputDigest] ?? '') };
    }
  }

  /**
   * Temporal refuses a signal to a closed workflow, which stores nothing; like the other engines,
   * that is not an error, unless the run was migrated: the signal belongs where it went. A signal
   * that reaches a run as it stops is not lost either: the server refuses to close a workflow with
   * events it has not seen, so the run stops again with the signal among its pending ones.
   */
  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    try {
      await this.#handle(runId).signal(name, payload);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const run = await this.describeRun(runId);
      if (run.status === 'migrated') throw new RunMigratedError(runId, run.migration!.to);
    }
  }

  async readRunStart(runId: string): Promise<RunStart> {
    // The latest run's first event only.
    const { history } = await this.#client.workflowService
      .getWorkflowExecutionHistory({ namespace: this.#client.options.namespace, execution: { workflowId: runId }, maximumPageSize: 1 })
      .catch((error: unknown) => {
        throw isNotFound(error) ? new RunNotFoundError(runId) : error;
      });
    const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started) throw new RunNotFoundError(runId);
    if (this.#options.payloads) await decodePayloadsIn(started, this.#options.payloads);
    return runStartOf(started);
  }

  /**
   * Signals the run to stop at its next safe point (the signal is in history: it outlives any
   * worker, and the first target wins in the workflow). A run already closed, or parked
   * dead-lettered, is left as it is.
   */
  async requestMigration(runId: string, to: string): Promise<void> {
    const description = await this.#describe(runId);
    if (description.status.name !== 'RUNNING' || liveStatus(description) === 'dead-lettered') return;
    try {
      await this.#handle(runId).signal(migrateSignalName, { to } satisfies MigrateRequest);
    } catch (error) {
      // It closed in between.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  async describeRun(runId: string): Promise<RunDescription> {
    const { description, events } = await this.#latest(runId);
    return toRunDescription(runId, description, readRunHistory(events));
  }

  async awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription> {
    // The cheap look (the workflow's status) first; the whole description only once it has ended.
    return pollUntilEnded(runId, async () => (terminalStatuses.has(liveStatus(await this.#describe(runId))) ? this.describeRun(runId) : undefined), {
      timeoutMs,
      intervalMs: this.#options.pollIntervalMs,
    });
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    const latest = readRunHistory((await this.#latest(runId)).events);
    const earlier = await Promise.all(
      latest.previousRuns.map((temporalRunId) =>
        this.#events(runId, temporalRunId).then(
          (events) => readRunHistory(events),
          (error: unknown) => {
            if (error instanceof RunNotFoundError) return undefined;
            throw error;
          },
        ),
      ),
    );
    return joinChain([...earlier, latest]);
  }

  /**
   * A run parked after a step ran out of retries is signalled and retries that step. A run stopped
   * by a nondeterminism error (a failed workflow) is reset to the workflow task before the
   * divergence, so the code deployed now replays it: signals sent since are re-applied.
   */
  async redriveRun(runId: string): Promise<void> {
    const { description, events } = await this.#latest(runId);
    if (toRunDescription(runId, description, readRunHistory(events)).status !== 'dead-lettered') return;
    if (description.status.name === 'RUNNING') {
      await this.#handle(runId).signal(redriveSignalName);
      return;
    }
    const lastTask = events.findLast((event) => event.workflowTaskCompletedEventAttributes);
    await this.#client.workflowService.resetWorkflowExecution({
      namespace: this.#client.options.namespace,
      workflowExecution: { workflowId: runId, runId: description.runId },
      reason: 'ratchet redrive',
      workflowTaskFinishEventId: lastTask!.eventId!,
      requestId: randomUUID(),
    });
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunDescription[]> {
    const limit = options.limit ?? 100;
    const runIds: string[] = [];
    for await (const execution of this.#client.workflow.list({ query: `TaskQueue = '${this.#options.taskQueue}'` })) {
      if (runIds.length >= limit) break;
      if (!runIds.includes(execution.workflowId)) runIds.push(execution.workflowId);
    }
    return Promise.all(runIds.map((runId) => this.describeRun(runId)));
  }

  async close(): Promise<void> {
    await this.#client.connection.close();
  }

  #handle(runId: string): WorkflowHandle {
    return this.#client.workflow.getHandle(runId);
  }

  async #describe(runId: string): Promise<WorkflowExecutionDescription> {
    try {
      return await this.#handle(runId).describe();
    } catch (error) {
      if (isNotFound(error)) throw new RunNotFoundError(runId);
      throw error;
    }
  }

  /** The chain's latest workflow run and its history (described first, so both are the same run). */
  async #latest(runId: string) {
    const description = await this.#describe(runId);
    return { description, events: await this.#events(runId, description.runId) };
  }

  async #events(runId: string, temporalRunId: string) {
    try {
      const events = (await this.#client.workflow.getHandle(runId, temporalRunId).fetchHistory()).events ?? [];
      // With nothing configured there is nothing to decode; `decode` refuses an encoded payload by name.
      return this.#options.payloads ? decodePayloadsIn(events, this.#options.payloads) : events;
    } catch (error) {
      if (isNotFound(error)) throw new RunNotFoundError(runId);
      throw error;
    }
  }
}

/** The status a description alone tells (no history needed), for polling. */
function liveStatus(description: WorkflowExecutionDescription): RunStatus {
  switch (description.status.name) {
    case 'RUNNING': {
      const { pendingActivities, pendingWorkflowTask } = description.raw;
      // No workflow task completed yet: a new run, or the next run of a chain (continue-as-new).
      if (description.historyLength <= 3) return continued(description) ? 'running' : 'pending';
      // A pending workflow task comes first: it is how a redrive (a signal) shows before it is handled.
      if (pendingActivities?.length || pendingWorkflowTask) return 'running';
      return description.memo?.[memoKeys.deadLetter] ? 'dead-lettered' : 'waiting';
    }
    case 'COMPLETED':
      return 'completed';
    default:
      // Closed: whether it failed or was stopped by a nondeterminism error, history tells.
      return 'failed';
  }
}

function toRunDescription(runId: string, description: WorkflowExecutionDescription, history: RunHistory): RunDescription {
  const run: RunDescription = {
    runId,
    agent: description.type,
    status: history.end?.status ?? liveStatus(description),
    executions: history.executions,
    createdAt: history.createdAt,
    updatedAt: history.updatedAt,
  };
  if (run.status === 'dead-lettered' && !history.end) run.deadLetter = description.memo?.[memoKeys.deadLetter] as DeadLetterMemo;
  if (history.end?.status === 'completed') run.output = history.end.output;
  if (history.end?.status === 'failed') {
    run.error = history.end.error;
    run.compensations = history.end.compensations;
  }
  if (history.end?.status === 'dead-lettered') run.deadLetter = { error: history.end.error };
  if (history.end?.status === 'migrated') run.migration = history.end.migration;
  if (history.seeded) run.seededSteps = history.seeded.length;
  return run;
}

/** Whether the workflow run continues an earlier one (continue-as-new, or a reset). */
function continued(description: WorkflowExecutionDescription): boolean {
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
  return Boolean(firstRunId) && firstRunId !== description.runId;
}

/**
 * Whether the server said the workflow does not exist. Some client paths wrap that in
 * `WorkflowNotFoundError`, others (seen on `describe`) pass gRPC's NOT_FOUND (code 5) through as is.
 */
function isNotFound(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error as { code?: unknown } | null)?.code === 5;
}
