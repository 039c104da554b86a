import type { Inngest } from 'inngest';
import {
  PayloadTooLargeError,
  contiguousPrefix,
  EngineRequestError,
  MigrationError,
  jsonByteLength,
  pollUntilEnded,
  RunMigratedError,
  RunNotFoundError,
  runEndOf,
  terminalStatuses,
  type DriverClient,
  type JournalEntry,
  type RunDescription,
  type RunEnd,
  type RunStart,
  type StartRunRequest,
} from '@ratchet/core';
import { readRunRecord, type RunRecord } from './journal.ts';
import {
  currentJournalVersion,
  sdkEventFieldsBytes,
  eventNames,
  generationOf,
  migrateEventId,
  migrationWakeName,
  parseEventData,
  startEventDataSchema,
  startEventId,
  type MigrationRequest,
  type RedriveEventData,
  type SignalEventData,
  type StartEventData,
} from './protocol.ts';
import type { ServerApi, StoredEvent } from './server-api.ts';
import { bufferedSignals, pendingSignals } from './signals.ts';

// How long `redriveRun` waits for the parked run to take the redrive before it returns anyway.
const redriveSettleMs = 30_000;

/** How long `requestMigration` waits for the server to show the request it sent, and for its notice to run. */
const requestVisibleWithinMs = 10_000;
// Inngest run statuses that end an Inngest run (a notice function's, or a Ratchet run's).
const endedStatuses = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** A run as `#read` reads it: its record, its description, and its latest generation's start data. */
type RunRead = RunRecord & { description: RunDescription; latest: StartEventData };

/**
 * The Inngest driver's client. A run is found by its start event (named after the run id), its
 * Inngest run through that event, and its state and journal in the run's trace: all the server's
 * own, uncached records, so nothing is kept beside the server.
 */
export class InngestClient implements DriverClient {
  readonly #app: string;
  readonly #inngest: Inngest.Any;
  readonly #api: ServerApi;
  readonly #pollIntervalMs: number;
  readonly #maxEventBytes: number;
  /** Ratchet run id to Inngest run id: fixed once the server has created the run. */
  readonly #inngestRunIds = new Map<string, string>();
  /**
   * Runs this client started whose start event the server may not list yet: events are stored a few
   * milliseconds after `send` returns, so a start is read back from here until the server has it.
   */
  readonly #started = new Map<string, StoredEvent>();

  constructor(options: { app: string; inngest: Inngest.Any; api: ServerApi; pollIntervalMs: number; maxEventBytes: number }) {
    this.#app = options.app;
    this.#inngest = options.inngest;
    this.#api = options.api;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#maxEventBytes = options.maxEventBytes;
  }

  /**
   * The SDK's `send`. It fails with a bare `TypeError: fetch failed` when nothing answers, and with its
   * own words on an HTTP error; either becomes an `EngineRequestError` naming the server's address.
   */
  async #send(payload: Parameters<Inngest.Any['send']>[0]): ReturnType<Inngest.Any['send']> {
    try {
      return await this.#inngest.send(payload);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const reason = cause?.code ?? (error instanceof Error ? error.message : String(error));
      throw new EngineRequestError({ engine: 'Inngest', address: this.#api.baseUrl, operation: 'a sent event', reason, cause: error });
    }
  }

  async startRun(request: StartRunRequest) {
    const existing = await this.#startEvents(request.runId);
    if (existing.length > 0) {
      const data = this.#startData(request.runId, existing[0]!);
      return { created: false, agent: data.agent, inputDigest: data.inputDigest };
    }
    const data: StartEventData = {
      runId: request.runId,
      agent: request.agent,
      input: request.input,
      inputDigest: request.inputDigest,
      seed: request.seed,
      ...(request.options ? { options: request.options } : {}),
      // Kept with the run like its input: every request of the run hands it to the worker.
      ...(request.seeded ? { seeded: request.seeded } : {}),
      journalVersion: currentJournalVersion,
    };
    const sent = await this.#sendStart(data, 'the run was not started');
    this.#started.set(request.runId, sent);
    return { created: true, agent: request.agent, inputDigest: request.inputDigest };
  }

  /**
   * Sends a start event (the run's own, or a continuation's). The event id makes a second send (a
   * retry, a racing start) start nothing more. Its `ts` is set here, so the copy returned dates
   * compact entries as the server's does.
   */
  async #sendStart(data: StartEventData, refused: string): Promise<StoredEvent> {
    const name = eventNames.start(this.#app, data.runId);
    const event = { name, id: startEventId(data.runId, generationOf(data)), data, ts: Date.now() };
    // The server refuses an event past its limit; refused here, nothing is sent and nothing starts.
    const bytes = jsonByteLength(event) + sdkEventFieldsBytes;
    if (bytes > this.#maxEventBytes) {
      throw new PayloadTooLargeError({
        what: `The start event of run "${data.runId}"`,
        bytes,
        limitBytes: this.#maxEventBytes,
        engine: 'Inngest',
        hint: `${refused}. Its input and seeded journal travel in that event: configure the driver's \`offload\` (a payload store for large payloads), or raise maxEventBytes where the server accepts more`,
      });
    }
    const sent = await this.#send(event);
    return { internal_id: sent.ids[0] ?? '', id: event.id, name, data: { ...data }, ts: event.ts };
  }

  /**
   * Sends a signal event, which the server keeps until the run consumes it. A migrated run refuses
   * it with `RunMigratedError` (nothing sent). The check and the send are two calls: a signal sent
   * in the instant the run stops is stored here after the stop, and is handed over only if the
   * migration record is read after it (its signals are computed from the stored events when read).
   */
  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    if ((await this.#startEvents(runId)).length === 0) throw new RunNotFoundError(runId);
    // Only a run with a migration request can have migrated: without one (the usual case), one read.
    if ((await this.#migrationRequests(runId)).length > 0) {
      const { description } = await this.#read(runId);
      if (description.migration) throw new RunMigratedError(runId, description.migration.to);
    }
    const data: SignalEventData = { runId, name, payload: payload ?? null };
    await this.#send({ name: eventNames.signal(this.#app, runId), data });
  }

  /**
   * Whether the run ended, from its Inngest run's status (the event-runs read, a few ms), reading
   * the trace only for a run the server says ended: a trace costs the server time that grows with
   * the run's steps (0.5-2 s at 800 steps, measured with the bench's recovery workload), and a run
   * parked on a wait or a dead-letter is still running there.
   */
  async readRunEnd(runId: string): Promise<RunEnd | undefined> {
    const events = await this.#startEvents(runId);
    if (events.length === 0) throw new RunNotFoundError(runId);
    // The newest first: a redriven run's latest Inngest run is the one that says whether it ended.
    for (const event of [...events].reverse()) {
      const [run] = await this.#api.eventRuns(event.internal_id);
      if (!run) continue;
      if (!endedStatuses.has(run.status)) return undefined;
      return runEndOf((await this.#read(runId)).description);
    }
    return undefined; // the server has not created the run yet
  }

  async readRunStart(runId: string): Promise<RunStart> {
    const [start] = await this.#startEvents(runId);
    if (!start) throw new RunNotFoundError(runId);
    const data = this.#startData(runId, start);
    return { input: data.input, inputDigest: data.inputDigest, seed: data.seed, ...(data.options ? { options: data.options } : {}) };
  }

  /**
   * Sends the run's migration request: an event under `{app}/migrate/{runId}`, which the server
   * keeps, so it outlives any worker. The event starts the workers' notice function, which tells
   * the hosts running the run in its process at once; a host elsewhere reads it within a second
   * (and at its request's first step), and each look of a wait reads it; a wait is woken by it (a
   * sleep waits on that name; a signal wait on the run's signal events, so the request sends a
   * wake-up there too). The oldest request wins; one to a run that already ended is not sent.
   */
  async requestMigration(runId: string, to: string): Promise<void> {
    const { description } = await this.#read(runId);
    if (terminalStatuses.has(description.status)) return;
    const request: MigrationRequest = { runId, to };
    const wake: SignalEventData = { runId, name: migrationWakeName, payload: null, wake: true };
    const name = eventNames.migrate(this.#app, runId);
    await this.#send([
      { name, id: migrateEventId(runId), data: request },
      { name: eventNames.signal(this.#app, runId), data: wake },
    ]);
    // The server stores a sent event a moment later: wait until hosts can read it, then until the
    // oldest request's notice has run (or failed: no worker was up), so a run served by the worker
    // that ran it does not run on past a step boundary after the request returned.
    const deadline = Date.now() + requestVisibleWithinMs;
    for (;;) {
      const [oldest] = await this.#api.listEvents(name);
      if (oldest && (await this.#api.eventRuns(oldest.internal_id)).some((run) => endedStatuses.has(run.status))) return;
      if (Date.now() > deadline) {
        if (oldest) return; // hosts read it in their next second
        throw new MigrationError(runId, `The migration request for run "${runId}" was sent but is not visible on the Inngest server after ${requestVisibleWithinMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async describeRun(runId: string): Promise<RunDescription> {
    return (await this.#read(runId)).description;
  }

  async awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription> {
    return pollUntilEnded(runId, () => this.describeRun(runId), { timeoutMs, intervalMs: this.#pollIntervalMs });
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    return (await this.#read(runId)).journal();
  }

  /**
   * Resumes a dead-lettered run: sends the redrive event its parked step waits for (the event id
   * names the incident, so a repeated redrive is one). The step then runs again with fresh attempts;
   * the steps before it stay memoized on the server and are not re-run. A run the server failed by
   * itself has no parked step: it continues in a new Inngest run (`#continueRun`).
   */
  async redriveRun(runId: string): Promise<void> {
    const read = await this.#read(runId);
    const { deadLetter, description } = read;
    if (!deadLetter) {
      if (description.status === 'dead-lettered') await this.#continueRun(runId, read);
      return;
    }
    const data: RedriveEventData = { runId, incident: deadLetter.incident };
    await this.#send({ name: eventNames.redrive(this.#app, runId), id: `ratchet-redrive:${runId}:${deadLetter.incident}`, data });
    // Return once the run has taken the redrive, so a `result()` right after waits for the new end
    // instead of reading the old dead-letter (the event reaches the parked step in well under a second).
    const deadline = Date.now() + redriveSettleMs;
    while (Date.now() < deadline && (await this.#read(runId)).deadLetter?.incident === deadLetter.incident) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollIntervalMs));
    }
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunDescription[]> {
    const prefix = eventNames.start(this.#app, '');
    // Other events (signals, redrives) share the list: read well past `limit` to find that many starts.
    const starts = (await this.#api.listRecentEvents(Math.max((options.limit ?? 100) * 10, 1_000)))
      .filter((event) => event.name.startsWith(prefix))
      .map((event) => this.#startData(event.name.slice(prefix.length), event).runId);
    const unique = [...new Set(starts)].slice(0, options.limit ?? 100);
    return Promise.all(unique.map((runId) => this.describeRun(runId)));
  }

  async close(): Promise<void> {}

  async #read(runId: string): Promise<RunRead> {
    const events = await this.#startEvents(runId);
    if (events.length === 0) throw new RunNotFoundError(runId);
    const start = events[0]!;
    const data = this.#startData(runId, start);
    const identity = {
      runId,
      agent: data.agent,
      createdAt: Date.parse(new Date(start.ts).toISOString()),
      ...(data.seeded ? { seededSteps: data.seeded.entries.length } : {}),
    };
    // A redriven run goes on in its latest generation's Inngest run, which starts from the journal
    // the ones before it left (see `#continueRun`): that run's start event and trace are the run's.
    const { latest, latestData, inngestRunId } = await this.#latestGeneration(runId, events);
    // A seeded run's journal starts with the entries it continues, as they were handed over.
    const seededEntries = latestData.seeded?.entries ?? [];
    const consumedBefore = latestData.continues?.consumedSignals ?? [];
    const trace = inngestRunId ? await this.#api.trace(inngestRunId) : undefined;
    if (!trace) {
      const status = generationOf(latestData) > 0 ? 'running' : 'pending';
      return { journal: () => seededEntries, consumedSignals: new Set(consumedBefore), latest: latestData, description: { ...identity, status, executions: 0, updatedAt: identity.createdAt } };
    }
    const record = readRunRecord(trace, latest.ts);
    const journal = () => [...seededEntries, ...record.journal()];
    const consumedSignals = new Set([...consumedBefore, ...record.consumedSignals]);
    if (!record.migrated) return { ...record, consumedSignals, journal, latest: latestData, description: { ...identity, ...record.description } };
    // The signals handed over are read when the record is: one that landed after the stop is carried too.
    const { to, stoppedAt, openWait } = record.migrated;
    const stored = await this.#api.listEvents(eventNames.signal(this.#app, runId));
    const signals = pendingSignals(bufferedSignals(latestData.seeded?.signals, stored), consumedSignals);
    const migration = { to, stoppedAt, signals, ...(openWait ? { openWait } : {}) };
    return { ...record, consumedSignals, journal, latest: latestData, description: { ...identity, ...record.description, migration } };
  }

  /**
   * Continues a run the Inngest server failed (its retries of one request ran out: no worker
   * answered for that long) in a new Inngest run: the next generation's start event, seeded with
   * the journal up to its first gap and the signals the run consumed, so no completed step runs
   * again and no signal is taken twice. The step the server gave up on runs, with fresh attempts,
   * under its idempotency key. Returns once the server has created that run.
   */
  async #continueRun(runId: string, read: RunRead): Promise<void> {
    const { latest } = read;
    const generation = generationOf(latest) + 1;
    const data: StartEventData = {
      runId,
      agent: latest.agent,
      input: latest.input,
      inputDigest: latest.inputDigest,
      seed: latest.seed,
      ...(latest.options ? { options: latest.options } : {}),
      seeded: { entries: contiguousPrefix(read.journal()), signals: latest.seeded?.signals ?? [] },
      journalVersion: currentJournalVersion,
      continues: { generation, consumedSignals: [...read.consumedSignals] },
    };
    const sent = await this.#sendStart(data, `run "${runId}" was not redriven`);
    const deadline = Date.now() + redriveSettleMs;
    while (Date.now() < deadline && !(sent.internal_id && (await this.#api.eventRuns(sent.internal_id)).length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollIntervalMs));
    }
  }

  #startData(runId: string, event: StoredEvent): StartEventData {
    return parseEventData(startEventDataSchema, event.data, `the start event of run "${runId}"`);
  }

  #migrationRequests(runId: string): Promise<StoredEvent[]> {
    return this.#api.listEvents(eventNames.migrate(this.#app, runId));
  }

  /**
   * The run's latest generation (its own start, or the newest continuation) and that generation's
   * Inngest run, once the server created it. A generation may have several start events (a send
   * repeated); one of them started the run.
   */
  async #latestGeneration(runId: string, events: StoredEvent[]): Promise<{ latest: StoredEvent; latestData: StartEventData; inngestRunId: string | undefined }> {
    const parsed = events.map((event) => ({ event, data: this.#startData(runId, event) }));
    const generation = Math.max(...parsed.map(({ data }) => generationOf(data)));
    const candidates = parsed.filter(({ data }) => generationOf(data) === generation);
    const key = `${runId}#${generation}`;
    const known = this.#inngestRunIds.get(key);
    if (known) return { latest: candidates[0]!.event, latestData: candidates[0]!.data, inngestRunId: known };
    for (const { event, data } of candidates) {
      const [run] = await this.#api.eventRuns(event.internal_id);
      if (run) {
        this.#inngestRunIds.set(key, run.id);
        return { latest: event, latestData: data, inngestRunId: run.id };
      }
    }
    return { latest: candidates[0]!.event, latestData: candidates[0]!.data, inngestRunId: undefined };
  }

  async #startEvents(runId: string): Promise<StoredEvent[]> {
    const events = await this.#api.listEvents(eventNames.start(this.#app, runId));
    if (events.length > 0) {
      this.#started.delete(runId);
      return events;
    }
    const started = this.#started.get(runId);
    return started ? [started] : [];
  }
}
