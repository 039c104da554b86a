import DataLoader from 'dataloader';
import {
  ConfigError,
  EngineRequestError,
  NonDeterminismError,
  pollUntilEnded,
  RunMigratedError,
  RunNotFoundError,
  serializeError,
  EngineFailureError,
  type EngineFailureHow,
  terminalStatuses,
  type DriverClient,
  type JournalEntry,
  type MigrationRecord,
  type RunDescription,
  type RunEnd,
  type RunStart,
  type SerializedError,
  type StartRunRequest,
} from '@ratchet/core';
import type { ResolvedRestateOptions } from './options.ts';
import { journalColumns, readJournal, type JournalRow, type ReadJournal } from './journal.ts';
import { LedgerClient, type LedgerState } from './ledger.ts';
import { currentJournalVersion, outcomeStateKey, serviceNames, type ServiceNames, type MigrationRequest, type RunRequest, type StoredOutcome } from './protocol.ts';
import { assertWithinLimit } from './payload-limit.ts';
import { sqlString, type RestateApi } from './server-api.ts';
import { enqueueMigration, enqueueSignal, migratedToMetadataKey } from './signals.ts';

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

/**
 * How long `requestMigration` and a racing `signalRun` wait for the run's signal queue to handle
 * what they sent. With a worker up that takes milliseconds; with none the request stays queued
 * and takes effect when one starts, so waiting longer would only block the caller.
 */
const queueAnswerMs = 3_000;

/** How long after its start a run this client started is waited for when it does not show yet. */
const unseenForMs = 5_000;

/** How many runs' workflow services a client remembers (see `#serviceOf`). */
const rememberedServices = 10_000;

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
  readonly #services = new Map<string, string>();
  /** Batches the lookups of one tick into one query; no cache, as a run's status moves. */
  readonly #runs = new DataLoader<string, InvocationRow | undefined>((runIds) => this.#findRuns(runIds), { cache: false, maxBatchSize: 100 });
  /** Runs this client started that the introspection tables may not show yet, until when to wait for them. */
  readonly #unseen = new Map<string, number>();

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
      journalVersion: currentJournalVersion,
      agent: request.agent,
      input: request.input,
      inputDigest: request.inputDigest,
      seed: request.seed,
      ...(request.options === undefined ? {} : { options: request.options }),
      ...(request.seeded === undefined ? {} : { seeded: request.seeded }),
    };
    // The seeded journal travels in the workflow's input, which Restate journals as one message.
    if (request.seeded) assertWithinLimit(body, `The start request of run "${request.runId}" with its seeded journal`, this.#options.maxPayloadBytes);
    const service = this.#names.agent(request.agent);
    let answer: { status: string };
    try {
      answer = await this.#api.ingress(`/${service}/${encodeURIComponent(request.runId)}/run/send`, body);
    } catch (error) {
      if (error instanceof EngineRequestError && error.status === 404) {
        throw new ConfigError(`Restate has no workflow "${service}" for agent "${request.agent}": start a worker that hosts it (it registers the agent) first`, { agent: request.agent, service });
      }
      throw error;
    }
    if (answer.status === 'Accepted') {
      // Not waited for here: the introspection tables show a new run a moment later, and the first
      // read of it waits then (see `#requireRun`), so a batch of starts costs one query each.
      this.#rememberService(request.runId, service);
      this.#markUnseen(request.runId);
      return { created: true, agent: request.agent, inputDigest: request.inputDigest };
    }
    return { created: false, ...(await this.#runRequest(await this.#waitUntilVisible(request.runId))) }; // a concurrent start won
  }

  async readRunStart(runId: string): Promise<RunStart> {
    const { input, inputDigest, seed, options } = await this.#runRequest(await this.#requireRun(runId));
    return { input, inputDigest, seed, ...(options === undefined ? {} : { options }) };
  }

  /**
   * Queues the signal for the run (see signals.ts): resolves once Restate has accepted it
   * durably, whether or not a worker is up; it fills the run's next durable promise of that name.
   *
   * A run asked to migrate takes no more signals: its queue refuses them (one writer, in order),
   * and this reports `RunMigratedError`. The send comes first and the look for a migration after
   * it (a signal sent while a migration starts needs that look anyway), so a signal costs one
   * send and one round of queries; when a migration is underway, this waits for the queue's answer.
   */
  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    assertWithinLimit(payload, `The payload of signal "${name}"`, this.#options.maxPayloadBytes);
    const { invocationId } = await enqueueSignal(this.#api, this.#names.signals, runId, { service: await this.#serviceOf(runId), name, payload });
    const { recorded, queued } = await this.#migrationUnderway(runId);
    if (!recorded && !queued) return;
    try {
      const answer = await this.#api.attach(invocationId, queueAnswerMs);
      // No answer in time (no worker up): a migration the queue recorded already refuses this
      // signal when the queue gets to it; a request still queued ahead of it is not decided yet.
      if (!answer.done && recorded) throw new RunMigratedError(runId, recorded.to);
    } catch (error) {
      const to = error instanceof EngineRequestError ? migratedTo(error) : undefined;
      throw to === undefined ? error : new RunMigratedError(runId, to);
    }
  }

  /**
   * Records the request in the run's signal queue (see signals.ts), which wakes the run if it
   * waits and makes its next step stop instead of running. Resolves once the queue handled it, or
   * after a few seconds when no worker is up: the request is durable in Restate's queue either way,
   * and the next execution of the run handles it before it runs a step. A run that has ended (or
   * was asked already) is left as it is.
   */
  async requestMigration(runId: string, to: string): Promise<void> {
    const run = await this.#requireRun(runId);
    if (terminalStatuses.has((await this.#describe(runId, run)).status)) return;
    if (await this.#migrationRequest(runId)) return;
    const { invocationId } = await enqueueMigration(this.#api, this.#names.signals, runId, { service: run.target_service_name, to });
    await this.#api.attach(invocationId, queueAnswerMs);
  }

  /**
   * From the invocation's status, and its outcome once it completed: no journal read (see
   * `DriverClient.readRunEnd`). A run this client has seen is first asked through the ingress
   * whether it still runs, which costs less than the SQL query (the signal latency the bench measures).
   */
  async readRunEnd(runId: string): Promise<RunEnd | undefined> {
    const service = this.#services.get(runId);
    if (service && (await this.#api.workflowRunning(service, runId))) return undefined;
    const run = await this.#requireRun(runId);
    if (run.status !== 'completed') return undefined;
    const [row] = await this.#api.query<{ value_utf8: string }>(
      `SELECT value_utf8 FROM state WHERE service_name = ${sqlString(run.target_service_name)} AND service_key = ${sqlString(runId)} AND key = ${sqlString(outcomeStateKey)}`,
    );
    const outcome = row ? (JSON.parse(row.value_utf8) as StoredOutcome) : undefined;
    if (outcome?.status === 'migrated') return { status: 'migrated', to: outcome.migration.to };
    return { status: outcome?.status === 'completed' ? 'completed' : 'failed' };
  }

  async describeRun(runId: string): Promise<RunDescription> {
    return this.#describe(runId, await this.#requireRun(runId));
  }

  async awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription> {
    return pollUntilEnded(
      runId,
      async () => {
        const run = await this.#requireRun(runId);
        // Only these invocation states can be a run's end; the rest need no further queries.
        return run.status === 'completed' || run.status === 'paused' || run.status === 'backing-off' ? this.#describe(runId, run) : undefined;
      },
      { timeoutMs, intervalMs: this.#options.pollIntervalMs },
    );
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    const run = await this.#requireRun(runId);
    const [state, rows] = await Promise.all([this.#state(runId, run), this.#journalRows(run)]);
    return journalOf(rows, state.outcome).entries;
  }

  /**
   * Resumes a dead-lettered run at the step it stopped at: the ledger starts the attempts over, then
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
    const journal = journalOf(rows, state.outcome);
    const base = {
      runId,
      agent: this.#names.agentOf(run.target_service_name)!,
      executions: Math.max(state.ledger.executions ?? 0, journal.firstExecutionMarked ? 1 : 0),
      createdAt: Date.parse(run.created_at),
      updatedAt: Date.parse(run.modified_at),
      ...(journal.request?.seeded ? { seededSteps: journal.request.seeded.entries.length } : {}),
    };
    switch (run.status) {
      case 'completed': {
        const outcome = state.outcome ?? { status: 'failed', error: engineFailure('failed', run.completion_failure ?? 'the invocation ended without an outcome'), compensations: [] };
        switch (outcome.status) {
          case 'completed':
            return { ...base, status: 'completed', output: outcome.output };
          case 'migrated':
            return { ...base, status: 'migrated', migration: handedOver(outcome.migration, journal) };
          default:
            return { ...base, status: 'failed', error: outcome.error, compensations: outcome.compensations };
        }
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

  async #state(runId: string, run: InvocationRow): Promise<{ outcome?: StoredOutcome; ledger: LedgerState }> {
    const rows = await this.#api.query<{ service_name: string; key: string; value_utf8: string }>(
      `SELECT service_name, key, value_utf8 FROM state WHERE service_key = ${sqlString(runId)}
       AND service_name IN (${sqlString(run.target_service_name)}, ${sqlString(this.#names.ledger)})`,
    );
    const value = (service: string, key: string) => {
      const row = rows.find((candidate) => candidate.service_name === service && candidate.key === key);
      return row ? JSON.parse(row.value_utf8) : undefined;
    };
    return {
      outcome: value(run.target_service_name, outcomeStateKey) as StoredOutcome | undefined,
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

  /** The migration recorded in the run's signal queue, if one was. */
  async #migrationRequest(runId: string): Promise<MigrationRequest | undefined> {
    const [recorded] = await this.#api.query<{ value_utf8: string }>(
      `SELECT value_utf8 FROM state WHERE service_name = ${sqlString(this.#names.signals)} AND service_key = ${sqlString(runId)} AND key = 'migration'`,
    );
    return recorded ? (JSON.parse(recorded.value_utf8) as MigrationRequest) : undefined;
  }

  /** A migration the run's signal queue recorded, and whether a request waits there. */
  async #migrationUnderway(runId: string): Promise<{ recorded: MigrationRequest | undefined; queued: boolean }> {
    const [recorded, queued] = await Promise.all([
      this.#migrationRequest(runId),
      this.#api.query<{ id: string }>(
        `SELECT id FROM sys_invocation WHERE target_service_name = ${sqlString(this.#names.signals)} AND target_service_key = ${sqlString(runId)}
         AND target_handler_name = 'requestMigration' AND status <> 'completed' LIMIT 1`,
      ),
    ]);
    return { recorded, queued: queued.length > 0 };
  }

  #journalRows(run: InvocationRow): Promise<JournalRow[]> {
    return this.#api.query<JournalRow>(`SELECT ${journalColumns} FROM sys_journal WHERE id = ${sqlString(run.id)} ORDER BY index`);
  }

  #findRun(runId: string): Promise<InvocationRow | undefined> {
    return this.#runs.load(runId);
  }

  /**
   * The runs' invocations, newest first per run id, in one query: every lookup of one tick (a batch
   * of starts, `result` on many runs) shares it, as each scans the introspection table.
   */
  async #findRuns(runIds: readonly string[]): Promise<(InvocationRow | undefined)[]> {
    const rows = await this.#api.query<InvocationRow & { target_service_key: string }>(
      `SELECT ${invocationColumns}, target_service_key FROM sys_invocation
       WHERE target_service_key IN (${runIds.map(sqlString).join(', ')}) AND target_handler_name = 'run'
       AND starts_with(target_service_name, ${sqlString(this.#options.servicePrefix)})
       ORDER BY created_at DESC`,
    );
    return runIds.map((runId) => rows.find((row) => row.target_service_key === runId && this.#names.agentOf(row.target_service_name) !== undefined));
  }

  async #requireRun(runId: string): Promise<InvocationRow> {
    let run = await this.#findRun(runId);
    const unseen = this.#unseen.get(runId);
    if (unseen !== undefined) {
      // Started by this client a moment ago: it shows soon.
      if (!run && Date.now() < unseen) run = await this.#waitUntilVisible(runId);
      this.#unseen.delete(runId);
    }
    if (!run) throw new RunNotFoundError(runId);
    this.#rememberService(runId, run.target_service_name);
    return run;
  }

  #markUnseen(runId: string): void {
    const now = Date.now();
    // Bounded: runs never read again are dropped once their wait is over.
    if (this.#unseen.size >= rememberedServices) for (const [id, until] of this.#unseen) if (until < now) this.#unseen.delete(id);
    this.#unseen.set(runId, now + unseenForMs);
  }

  /** The workflow service of a run: it never changes, so a client asks once per run. */
  async #serviceOf(runId: string): Promise<string> {
    return this.#services.get(runId) ?? (await this.#requireRun(runId)).target_service_name;
  }

  #rememberService(runId: string, service: string): void {
    // Bounded: the oldest run seen is forgotten first (Map keeps insertion order).
    if (!this.#services.has(runId) && this.#services.size >= rememberedServices) this.#services.delete(this.#services.keys().next().value!);
    this.#services.set(runId, service);
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

  /** The request the run was started with: its journaled workflow input. */
  async #runRequest(run: InvocationRow): Promise<RunRequest> {
    const rows = await this.#api.query<JournalRow>(`SELECT ${journalColumns} FROM sys_journal WHERE id = ${sqlString(run.id)} AND index = 0`);
    return readJournal(rows).request;
  }
}

/** The run's journal; for a migrated run, the prefix it handed over. */
function journalOf(rows: JournalRow[], outcome: StoredOutcome | undefined): ReadJournal {
  return readJournal(rows, outcome?.status === 'migrated' ? { stopPosition: outcome.position } : {});
}

/**
 * The record as a migrated run handed it over: its open wait only if it directly follows the
 * entries (steps that ran side by side can leave a gap before it), with the wake-up time Restate
 * journaled for it rather than the one the run computed from its head.
 */
function handedOver(record: MigrationRecord, journal: ReadJournal): MigrationRecord {
  const { openWait, ...rest } = record;
  if (!openWait || openWait.position !== journal.entries.length) return rest;
  const deadline = openWait.deadline === undefined ? undefined : (journal.wakeUpAt(openWait.position) ?? openWait.deadline);
  return { ...rest, openWait: { ...openWait, ...(deadline === undefined ? {} : { deadline }) } };
}

/** The target of a signal the run's queue refused because the run was migrated. */
function migratedTo(error: EngineRequestError): string | undefined {
  try {
    return (JSON.parse(error.body ?? '') as { metadata?: Record<string, string> }).metadata?.[migratedToMetadataKey];
  } catch {
    return undefined;
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
  return { error: engineFailure('paused', failure?.message ?? 'Restate paused the run') };
}

function engineFailure(how: EngineFailureHow, message: string): SerializedError {
  return serializeError(new EngineFailureError({ engine: 'Restate', how, message }));
}
