import {
  ConfigError,
  NonDeterminismError,
  ResultTimeoutError,
  RunNotFoundError,
  serializeError,
  terminalStatuses,
  type DriverClient,
  type JournalEntry,
  type RunDescription,
  type RunOutcome,
  type SerializedError,
  type StartRunRequest,
} from '@ratchet/core';
import type { ResolvedRestateOptions } from './driver.ts';
import { journalColumns, readJournal, type JournalRow } from './journal.ts';
import { LedgerClient, type LedgerState } from './ledger.ts';
import { outcomeStateKey, serviceNames, type ServiceNames } from './naming.ts';
import { assertWithinLimit } from './payload-limit.ts';
import { RestateHttpError, sqlString, type RestateApi } from './restate-api.ts';
import { enqueueSignal } from './signal-queue.ts';
import type { RunRequest } from './workflow.ts';

/**
 * A journal mismatch (the code replayed took another path than the journal's) is error code 570 in
 * journal events and documentation code RT0016 in `sys_invocation.last_failure_error_code`.
 */
const isJournalMismatch = (failure: Failure | undefined) => failure?.code === 570 || failure?.docCode === 'RT0016';

/** A run's workflow invocation, as `sys_invocation` shows it. */
interface InvocationRow {
  id: string;
  target_service_name: string;
  status: string;
  created_at: string;
  modified_at: string;
  completion_failure?: string;
  last_failure?: string;
  last_failure_error_code?: string;
  last_failure_related_command_index?: number;
  last_failure_related_command_name?: string;
}

interface Failure {
  code?: number;
  docCode?: string;
  message: string;
  commandIndex?: number;
  commandName?: string;
}

const invocationColumns =
  'id, target_service_name, status, created_at, modified_at, completion_failure, last_failure, last_failure_error_code, last_failure_related_command_index, last_failure_related_command_name';

/**
 * The Restate driver's client. Starts and signals go through the ingress; everything it reports
 * is read from the server itself — `sys_invocation` for the run's state, `sys_journal` for its
 * journal, `state` for the outcome and the ledger — through the admin SQL introspection API.
 */
export class RestateClient implements DriverClient {
  readonly #api: RestateApi;
  readonly #options: ResolvedRestateOptions;
  readonly #names: ServiceNames;
  readonly #ledger: LedgerClient;

  constructor(api: RestateApi, options: ResolvedRestateOptions) {
    this.#api = api;
    this.#options = options;
    this.#names = serviceNames(options.servicePrefix);
    this.#ledger = new LedgerClient(api, this.#names.ledger);
  }

  /**
   * Submits the agent's workflow with the run id as its key; Restate runs a workflow key once, so
   * a second start finds the first. Resolves once the run is visible to `describe`.
   */
  async startRun(request: StartRunRequest) {
    const existing = await this.#findRun(request.runId);
    if (existing) return { created: false, ...(await this.#runRequest(existing)) };
    assertWithinLimit(request.input, `The input of run "${request.runId}"`, this.#options.maxPayloadBytes);
    const body: RunRequest = {
      agent: request.agent,
      input: request.input,
      inputDigest: request.inputDigest,
      seed: request.seed,
      ...(request.options === undefined ? {} : { options: request.options }),
    };
    const service = this.#names.agent(request.agent);
    let answer: { status: string };
    try {
      answer = await this.#api.ingress(`/${service}/${encodeURIComponent(request.runId)}/run/send`, body);
    } catch (error) {
      if (error instanceof RestateHttpError && error.status === 404) {
        throw new ConfigError(`Restate has no workflow "${service}" for agent "${request.agent}": start a worker that hosts it (it registers the agent) first`, { agent: request.agent, service });
      }
      throw error;
    }
    const run = await this.#waitUntilVisible(request.runId);
    if (answer.status === 'Accepted') return { created: true, agent: request.agent, inputDigest: request.inputDigest };
    return { created: false, ...(await this.#runRequest(run)) }; // a concurrent start won
  }

  /**
   * Queues the signal for the run (see signal-queue.ts): resolves once Restate has accepted it
   * durably, whether or not a worker is up; it fills the run's next durable promise of that name.
   */
  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    const run = await this.#requireRun(runId);
    assertWithinLimit(payload, `The payload of signal "${name}"`, this.#options.maxPayloadBytes);
    await enqueueSignal(this.#api, this.#names.signals, runId, { service: run.target_service_name, name, payload });
  }

  async describeRun(runId: string): Promise<RunDescription> {
    return this.#describe(runId, await this.#requireRun(runId));
  }

  async awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const run = await this.#requireRun(runId);
      // Only these invocation states can be a run's end; the rest need no further queries.
      if (run.status === 'completed' || run.status === 'paused' || run.status === 'backing-off') {
        const described = await this.#describe(runId, run);
        if (terminalStatuses.has(described.status)) return described;
      }
      if (Date.now() >= deadline) throw new ResultTimeoutError(runId, timeoutMs!);
      await new Promise((resolve) => setTimeout(resolve, this.#options.pollIntervalMs));
    }
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    const run = await this.#requireRun(runId);
    return readJournal(await this.#journalRows(run)).entries;
  }

  /**
   * Resumes a dead-lettered run at the step it stopped at: the ledger forgets the attempts, then
   * Restate resumes the paused invocation, which replays its journal and runs that step again.
   */
  async redriveRun(runId: string): Promise<void> {
    const run = await this.#requireRun(runId);
    if ((await this.#describe(runId, run)).status !== 'dead-lettered') return;
    await this.#ledger.redrive(runId);
    await this.#api.resumeInvocation(run.id);
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunDescription[]> {
    const rows = await this.#api.query<InvocationRow & { target_service_key: string }>(
      `SELECT ${invocationColumns}, target_service_key FROM sys_invocation
       WHERE target_handler_name = 'run' AND starts_with(target_service_name, ${sqlString(this.#options.servicePrefix)})
       ORDER BY created_at DESC LIMIT ${Math.max(1, Math.floor(options.limit ?? 100))}`,
    );
    const runs = rows.filter((row) => this.#names.agentOf(row.target_service_name) !== undefined);
    return Promise.all(runs.map((row) => this.#describe(row.target_service_key, row)));
  }

  async close(): Promise<void> {}

  async #describe(runId: string, run: InvocationRow): Promise<RunDescription> {
    const [state, rows] = await Promise.all([this.#state(runId, run), this.#journalRows(run)]);
    const journal = readJournal(rows);
    const base = {
      runId,
      agent: this.#names.agentOf(run.target_service_name)!,
      executions: state.ledger.executions ?? 0,
      createdAt: Date.parse(run.created_at),
      updatedAt: Date.parse(run.modified_at),
    };
    switch (run.status) {
      case 'completed': {
        const outcome = state.outcome ?? { status: 'failed', error: restateError(run.completion_failure ?? 'the invocation ended without an outcome', false), compensations: [] };
        return outcome.status === 'completed'
          ? { ...base, status: 'completed', output: outcome.output }
          : { ...base, status: 'failed', error: outcome.error, compensations: outcome.compensations };
      }
      case 'paused':
      case 'backing-off': {
        const failure = await this.#lastFailure(run);
        // A journal mismatch does not heal by retrying: it is a dead letter as soon as it shows.
        if (run.status === 'paused' || isJournalMismatch(failure)) {
          return { ...base, status: 'dead-lettered', deadLetter: state.ledger.deadLetter ?? deadLetterOf(failure, journal) };
        }
        return { ...base, status: 'waiting' }; // a retry backoff, as on the local driver
      }
      case 'running':
      case 'suspended':
        return { ...base, status: journal.waiting ? 'waiting' : 'running' };
      default:
        return { ...base, status: 'pending' };
    }
  }

  async #state(runId: string, run: InvocationRow): Promise<{ outcome?: RunOutcome; ledger: LedgerState }> {
    const rows = await this.#api.query<{ service_name: string; key: string; value_utf8: string }>(
      `SELECT service_name, key, value_utf8 FROM state WHERE service_key = ${sqlString(runId)}
       AND service_name IN (${sqlString(run.target_service_name)}, ${sqlString(this.#names.ledger)})`,
    );
    const value = (service: string, key: string) => {
      const row = rows.find((candidate) => candidate.service_name === service && candidate.key === key);
      return row ? JSON.parse(row.value_utf8) : undefined;
    };
    return {
      outcome: value(run.target_service_name, outcomeStateKey) as RunOutcome | undefined,
      ledger: { executions: value(this.#names.ledger, 'executions'), deadLetter: value(this.#names.ledger, 'deadLetter') },
    };
  }

  async #lastFailure(run: InvocationRow): Promise<Failure | undefined> {
    if (run.last_failure !== undefined) {
      return {
        message: run.last_failure,
        ...(run.last_failure_error_code === undefined ? {} : { docCode: run.last_failure_error_code }),
        ...(run.last_failure_related_command_index === undefined ? {} : { commandIndex: Number(run.last_failure_related_command_index) }),
        ...(run.last_failure_related_command_name === undefined ? {} : { commandName: run.last_failure_related_command_name }),
      };
    }
    // A paused invocation keeps its last failure in the journal events instead.
    const [event] = await this.#api.query<{ event_json: string }>(
      `SELECT event_json FROM sys_journal_events WHERE id = ${sqlString(run.id)} ORDER BY appended_at DESC LIMIT 1`,
    );
    if (!event) return undefined;
    const parsed = JSON.parse(event.event_json) as { last_failure?: RawFailure } & RawFailure;
    const raw = parsed.last_failure ?? parsed;
    return {
      message: raw.error_message ?? 'unknown failure',
      ...(raw.error_code === undefined ? {} : { code: raw.error_code }),
      ...(raw.restate_doc_error_code === undefined ? {} : { docCode: raw.restate_doc_error_code }),
      ...(raw.related_command_index === undefined ? {} : { commandIndex: raw.related_command_index }),
      ...(raw.related_command_name === undefined ? {} : { commandName: raw.related_command_name }),
    };
  }

  #journalRows(run: InvocationRow): Promise<JournalRow[]> {
    return this.#api.query<JournalRow>(`SELECT ${journalColumns} FROM sys_journal WHERE id = ${sqlString(run.id)} ORDER BY index`);
  }

  async #findRun(runId: string): Promise<InvocationRow | undefined> {
    const rows = await this.#api.query<InvocationRow>(
      `SELECT ${invocationColumns} FROM sys_invocation
       WHERE target_service_key = ${sqlString(runId)} AND target_handler_name = 'run'
       AND starts_with(target_service_name, ${sqlString(this.#options.servicePrefix)})
       ORDER BY created_at DESC`,
    );
    return rows.find((row) => this.#names.agentOf(row.target_service_name) !== undefined);
  }

  async #requireRun(runId: string): Promise<InvocationRow> {
    const run = await this.#findRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  /** The ingress accepted the run; the introspection tables show it a moment later. */
  async #waitUntilVisible(runId: string): Promise<InvocationRow> {
    for (let tries = 0; ; tries++) {
      const run = await this.#findRun(runId);
      if (run) return run;
      if (tries >= 200) throw new RunNotFoundError(runId);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The agent and input digest the run was started with, from its journaled workflow input. */
  async #runRequest(run: InvocationRow): Promise<{ agent: string; inputDigest: string }> {
    const [input] = await this.#api.query<{ entry_json: string }>(`SELECT entry_json FROM sys_journal WHERE id = ${sqlString(run.id)} AND index = 0`);
    const payload = (JSON.parse(input!.entry_json) as { Command: { Input: { payload: number[] } } }).Command.Input.payload;
    const request = JSON.parse(Buffer.from(payload).toString('utf8')) as RunRequest;
    return { agent: request.agent, inputDigest: request.inputDigest };
  }
}

interface RawFailure {
  error_code?: number;
  restate_doc_error_code?: string;
  error_message?: string;
  related_command_index?: number;
  related_command_name?: string;
}

/** A dead letter Restate decided (a journal mismatch, or its own retry policy ran out). */
function deadLetterOf(failure: Failure | undefined, journal: ReturnType<typeof readJournal>): RunDescription['deadLetter'] & {} {
  if (isJournalMismatch(failure) && failure?.commandIndex !== undefined) {
    const journaled = journal.stepAtCommand(failure.commandIndex);
    if (journaled) {
      return { error: serializeError(new NonDeterminismError(journaled.position, journaled.stepId, failure.commandName || '(another kind of step)')) };
    }
  }
  return { error: restateError(failure?.message ?? 'Restate paused the run', true) };
}

function restateError(message: string, retryable: boolean): SerializedError {
  return { name: 'RestateError', kind: 'restate', message, retryable };
}
