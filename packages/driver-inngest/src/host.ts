import {
  InFlightEffects,
  NonDeterminismError,
  PayloadTooLargeError,
  ExecutionInterrupt,
  admitAttempt,
  contiguousPrefix,
  assertSameStep,
  decideAttempt,
  deserializeError,
  digest,
  effectContext,
  jsonByteLength,
  MigrationError,
  migrationStop,
  serializeError,
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type JournalEntry,
  type PendingSignal,
  type SerializedError,
  type SignalOutcome,
  type StepCall,
  type EffectRunner,
  type MigrationWatch,
  type WatchedRun,
} from '@ratchet/core';
import { createHash } from 'node:crypto';
import { toInngestError } from './errors.ts';
import { readRunRecord } from './journal.ts';
import {
  celString,
  currentJournalVersion,
  eventNames,
  sdkEventFieldsBytes,
  generationOf,
  startEventId,
  type ContinuedOutcome,
  type StartEventData,
  isRatchetRecord,
  migrationRequestSchema,
  migrationWakeName,
  parseEventData,
  type AttemptRecord,
  type DeadLetterRecord,
  type DeadlineRecord,
  type EntryRecord,
  type LookupRecord,
  type MigratedOutcome,
  type MigrationRequest,
  type MigrationStopRecord,
  type RatchetRecord,
} from './protocol.ts';
import type { ServerApi } from './server-api.ts';
import { bufferedSignals } from './signals.ts';
import { decodeEntry, encodeEntry, entryStepId, entryStepName, isCompactEntry } from './stored-entry.ts';

/** The part of Inngest's `step` tools the host uses. */
export interface InngestSteps {
  run<T>(id: string, body: () => Promise<T>): Promise<unknown>;
  waitForEvent(id: string, options: { event: string; timeout: number | Date; if?: string }): Promise<unknown>;
  sendEvent(id: string, event: { name: string; id: string; data: unknown }): Promise<unknown>;
}

/**
 * Inngest's ceiling on consecutive failed requests of one step (20 retries). Ratchet counts attempts
 * itself, and each started retry is a stored step, so this only bounds requests that never reached a
 * worker in a row (a worker down for longer than the server's backoff covers).
 */
export const maxInngestAttempts = 21;

export interface HostLimits {
  maxStepOutputBytes: number;
  maxRunStateBytes: number;
  maxSteps: number;
  /** The largest event the server takes: a continuation's start event carries the journal so far. */
  maxEventBytes: number;
}

export interface HostOptions {
  app: string;
  runId: string;
  /** The Inngest run's id, to read its trace. */
  inngestRunId: string;
  /** The start event's `ts`: compact entries date themselves from it. */
  startEventTs: number;
  /** The run's `StartEventData.journalVersion` (1 when absent). */
  journalVersion: number;
  agent: string;
  seed: string;
  /** Inngest's 0-based attempt of this request. */
  attempt: number;
  /** The step outputs the server sent with this request, keyed by hashed step id. */
  memoized: Record<string, { type: string; data?: unknown }>;
  /** Size of the start event, which the server counts in the run's state. */
  startEventBytes: number;
  /** Signals handed over by the run this one continues: delivered before any sent to this run. */
  seededSignals?: PendingSignal[];
  /** Signals the Inngest runs before this one consumed (a continuation): never delivered again. */
  consumedSignals?: readonly string[];
  steps: InngestSteps;
  executor: EffectRunner;
  api: ServerApi;
  /** This worker's migration watch, and what this request knows from it. */
  migrations: MigrationWatch<MigrationRequest>;
  watched: WatchedRun<MigrationRequest>;
  signal: AbortSignal;
  limits: HostLimits;
  /** First wait slice before buffered events are looked at again; doubles up to `recheckMaxMs`. */
  recheckMs: number;
  recheckMaxMs: number;
}

// Steps kept free under `maxSteps` for what a run still does past the cap: a wait in progress,
// compensations, the continuation's send, the end.
const stepHeadroom = 50;

/**
 * A journaled step as the memo says it: a full entry names its step id; a compact one only sits
 * under the hashed id of the step that holds it, which its generation and attempts give back.
 */
type JournaledStep = { stepId: string } | { key: string; generation: number; attempts: number };

/**
 * The Inngest driver's durable primitives for one request of one run. Inngest re-runs the function
 * from the top on every request and answers each `step.*` call from its memo, so the host replays by
 * calling the same step tools with the same ids in the same order; what is not memoized runs.
 *
 * - An effect is one `step.run` whose output is the journal entry itself (position, attempts,
 *   output or the terminal error; compact in runs of journal version 2, see stored-entry.ts), so
 *   the journal is read back from the server's own record.
 *   Retryable failures throw `RetryAfterError` with the policy's delay; the retried request ends the
 *   step with an attempt record and the next attempt is a step of its own. When attempts run out the
 *   step returns a dead-letter record and the run parks on a redrive event, then runs the step again
 *   under a new id. Earlier steps stay memoized: a redrive resumes at the failed step.
 * - A sleep is a journaled deadline, then a wait for a migration request until that deadline
 *   (`step.waitForEvent`, in slices as below, the last one timing out at the deadline), then its entry.
 * - A signal wait first looks for a buffered signal event (signals are events the server keeps), and
 *   only then waits with `step.waitForEvent`, used as a wake-up: a wait only sees events sent after
 *   it began, so each wake-up (or slice timeout) looks at the buffer again, which also catches a
 *   signal sent between the look and the wait starting.
 * - Migration: an effect or `now` step, when it is about to run (never on replay), looks at what
 *   this request knows of a migration request (core's `MigrationWatch`, fed without a call before
 *   the step: a read in the background at the request's first step and then at most once a second,
 *   and the worker's notice function, which the request's event starts in a worker process at once);
 *   a request makes the step's output a stop record instead, and the host throws `migrationStop()`.
 *   Each look of a sleep or signal wait reads the requests, and a request wakes the wait; the host
 *   then throws `migrationStop` with the wait's journaled deadline. The stop is memoized, so a
 *   replay stops at the same place.
 * - Non-determinism is checked against the memo before any step tool is called; a step found in the
 *   memo at another position fails when its output comes back, before anything of it runs.
 */
export class InngestHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;

  readonly #options: HostOptions;
  readonly #steps: InngestSteps;
  /** Journaled steps by position: memoized ones, then the ones this request adds. */
  readonly #journal = new Map<number, JournaledStep>();
  #lastPosition = -1;
  readonly #consumedSignals = new Set<string>();
  readonly #inFlight = new InFlightEffects();
  #stateBytes = 0;
  #stepCalls = 0;
  #parks = 0;
  /** This generation's entries by position, memoized and new: what a continuation carries on. */
  readonly #entries = new Map<number, JournalEntry>();
  /** Set when this request stopped at the step cap, for the worker to continue the run (`continueRun`). */
  continuing = false;
  /** Set once this request found the run's migration request: where it went, and when it stopped. */
  #migration: { to: string; stoppedAt: number } | undefined;

  constructor(options: HostOptions) {
    this.#options = options;
    this.#steps = options.steps;
    this.runId = options.runId;
    this.agent = options.agent;
    this.seed = options.seed;
    this.#stateBytes = options.startEventBytes;
    for (const id of options.consumedSignals ?? []) this.#consumedSignals.add(id);
    let lastExecution = 0;
    for (const [key, memo] of Object.entries(options.memoized)) {
      this.#stateBytes += jsonByteLength(memo.data ?? null);
      const record = memo.data;
      if (isCompactEntry(record)) {
        lastExecution = Math.max(lastExecution, record.x ?? 1);
        this.#journaled(record.p, { key, generation: record.g ?? 0, attempts: record.a ?? 1 }, record.s);
        continue;
      }
      if (!isRatchetRecord(record)) continue;
      lastExecution = Math.max(lastExecution, record.ratchet === 'entry' ? record.entry.execution : record.execution);
      if (record.ratchet === 'entry') this.#journaled(record.entry.position, { stepId: record.entry.stepId }, record.signalEventId);
    }
    // A retried request (Inngest's attempt > 0) is a new execution even if nothing was journaled.
    this.execution = lastExecution + 1 + options.attempt;
  }

  async effect(call: EffectCall): Promise<EffectResult> {
    await this.#replay(call);
    if (call.kind !== 'compensation') this.#continueIfFull(call);
    for (let generation = 0; ; generation++) {
      const id = generation === 0 ? call.stepId : `${call.stepId}~redrive${generation}`;
      const record = await this.#attempts(call, id);
      if (record.ratchet === 'migration-stop') throw this.#stop(record, record.at);
      if (record.ratchet === 'entry') {
        this.#remember(record, call);
        if (record.entry.status === 'failed') throw deserializeError(record.entry.error!);
        return { output: record.entry.output, compensable: record.entry.compensable === true };
      }
      await this.#awaitRedrive(record.incident);
    }
  }

  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    await this.#replay(call);
    const started = await this.#deadline(call, call.durationMs);
    // A sleep is a wait for a migration request that times out at the journaled deadline (as the
    // server's clock reads it).
    const found = await this.#awaitEvent(`${call.stepId}@sleep`, {
      event: eventNames.migrate(this.#options.app, this.runId),
      deadline: started.deadline,
      // A request that came after the last look is found by the next step.
      endAtDeadline: true,
      look: async (wokenBy) => {
        const migration = await this.#migrationRequest(wokenBy);
        return migration ? { migration } : {};
      },
    });
    if (found?.migration) throw this.#stop(found.migration, found.at, { call, deadline: started.deadline });
    await this.#entry(call, { durationMs: call.durationMs }, started.startedAt, () => ({ firedAt: Date.now() }));
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    await this.#replay(call);
    const started = await this.#deadline(call, call.timeoutMs);
    const found = await this.#awaitEvent(call.stepId, {
      event: eventNames.signal(this.#options.app, this.runId),
      // A migration request's wake-up is sent on the same event name.
      if: `async.data.name == ${celString(call.signal)} || async.data.name == ${celString(migrationWakeName)}`,
      deadline: started.deadline,
      look: async (wokenBy) => {
        const events = await this.#options.api.listEvents(eventNames.signal(this.#options.app, this.runId), { including: wokenBy });
        // Read once the list shows what woke the wait: a migration request's wake-up is sent after
        // the request itself, in one batch, so a request that woke the wait is found by this read.
        const migration = await this.#migrationRequest();
        if (migration) return { migration };
        const signal = bufferedSignals(this.#options.seededSignals, events).find((s) => s.name === call.signal && !this.#consumedSignals.has(s.id));
        return signal ? { event: { internalId: signal.id, data: { name: signal.name, payload: signal.payload } } } : {};
      },
    });
    if (found?.migration) throw this.#stop(found.migration, found.at, { call, deadline: started.deadline });
    const event = found?.event;
    const outcome: SignalOutcome = event ? { received: true, payload: event.data.payload ?? null } : { received: false };
    const record = await this.#entry(call, { signal: call.signal, timeoutMs: call.timeoutMs ?? null }, started.startedAt, () => outcome, event?.internalId);
    if (record.signalEventId) this.#consumedSignals.add(record.signalEventId);
    return record.entry.output as SignalOutcome;
  }

  async now(call: StepCall): Promise<number> {
    await this.#replay(call);
    this.#continueIfFull(call);
    const record = (await this.#run(call.stepId, async () => {
      const migration = this.#migrationRequestAt(call);
      if (migration) return this.#migrationStopRecord(call, migration);
      const now = Date.now();
      return this.#entryRecord(call, null, now, 1, { status: 'completed', output: now });
    })) as EntryRecord | MigrationStopRecord;
    if (record.ratchet === 'migration-stop') throw this.#stop(record, record.at);
    this.#remember(record, call);
    return record.entry.output as number;
  }

  /**
   * Past the step cap (Inngest's 1,000 steps a run), a step not journaled yet is where the run goes
   * on in a new Inngest run, as a Temporal run continues as new: the execution stops here
   * (`ExecutionInterrupt('abandon')`, with `continuing` set) and the worker calls `continueRun`. A
   * sleep or signal wait in progress is not a place to stop; the next effect is, within the headroom.
   */
  #continueIfFull(call: StepCall): void {
    if (this.#journal.has(call.position) || this.#stepCalls < this.#options.limits.maxSteps - stepHeadroom) return;
    this.continuing = true;
    throw new ExecutionInterrupt('abandon', { stepId: call.stepId });
  }

  /**
   * Continues the run in its next generation: the start event of a new Inngest run (sent as a step,
   * so once; its id names the generation) carrying the journal so far up to its first gap and the
   * signals consumed, which the new run answers from without running anything again. Returns this
   * Inngest run's end; the run's readers follow its latest generation.
   */
  async continueRun(start: StartEventData, interrupt: ExecutionInterrupt): Promise<ContinuedOutcome> {
    const generation = generationOf(start) + 1;
    const own = [...this.#entries.values()].sort((a, b) => a.position - b.position);
    const entries = contiguousPrefix([...(start.seeded?.entries ?? []), ...own]);
    const { seeded: _seeded, continues: _continues, ...rest } = start;
    const data: StartEventData = {
      ...rest,
      seeded: { entries, signals: start.seeded?.signals ?? [] },
      journalVersion: currentJournalVersion,
      continues: { generation, consumedSignals: [...this.#consumedSignals] },
    };
    const event = { name: eventNames.start(this.#options.app, this.runId), id: startEventId(this.runId, generation), data };
    const bytes = jsonByteLength(event) + sdkEventFieldsBytes;
    if (bytes > this.#options.limits.maxEventBytes) {
      // The server would refuse the event: parked instead, for a redrive once the limit allows it.
      const error = new PayloadTooLargeError({
        what: `The continuation of run "${this.runId}" (its journal of ${entries.length} entries, in the start event of generation ${generation})`,
        bytes,
        limitBytes: this.#options.limits.maxEventBytes,
        engine: 'Inngest',
        hint: "configure the driver's `offload` (a payload store for large payloads), or raise maxEventBytes where the server accepts more, then redrive",
        ...(interrupt.details.stepId ? { stepId: interrupt.details.stepId } : {}),
      });
      return this.park(new ExecutionInterrupt('dead-letter', { error, ...(interrupt.details.stepId ? { stepId: interrupt.details.stepId } : {}) }));
    }
    await this.#step(() => this.#steps.sendEvent(`ratchet:continue#${generation}`, event));
    return { status: 'continued', generation, entries: entries.length };
  }

  /**
   * The function's result once the run stopped for migration (`interrupt` is the `migrationStop`
   * this host threw): the first request's target, when it stopped, and the wait it stopped in.
   */
  migrated(interrupt: ExecutionInterrupt): MigratedOutcome {
    if (!this.#migration) throw new MigrationError(this.runId, 'A migration stop reached the Inngest worker without a migration request: only its host may throw one');
    const { openWait } = interrupt.details;
    return { status: 'migrated', to: this.#migration.to, stoppedAt: this.#migration.stoppedAt, ...(openWait ? { openWait } : {}) };
  }

  /**
   * Parks the run after a dead-letter interrupt raised outside a step (non-determinism): journals a
   * dead-letter record and waits for a redrive. The redrive's request runs the agent from the top
   * with the code deployed by then; if it still diverges, the next park waits for the next redrive.
   */
  async park(interrupt: ExecutionInterrupt): Promise<never> {
    for (;;) {
      const incident = `ratchet:dead-letter#${++this.#parks}`;
      const record = (await this.#run(incident, async () =>
        this.#deadLetterRecord(incident, interrupt.details.stepId, serializeError(interrupt.details.error)),
      )) as DeadLetterRecord;
      await this.#awaitRedrive(record.incident);
    }
  }

  /**
   * Keeps a run that was parked on non-determinism parked until it is redriven, as on every engine:
   * without this, a worker with compatible code would carry the run on by itself. Incidents already
   * redriven replay from their memoized lookups at once.
   */
  async awaitOpenParks(): Promise<void> {
    for (let incident = 1; this.#memoized(`ratchet:dead-letter#${incident}`); incident++) {
      this.#parks = incident;
      await this.#awaitRedrive(`ratchet:dead-letter#${incident}`);
    }
  }

  /** Waits for effects still running (a sibling in a `Promise.all` may outlive a failure). */
  async settle(): Promise<void> {
    await this.#inFlight.settle();
  }

  /**
   * The attempts of one generation `id` of an effect until one ends it: attempt 1 is step `id`,
   * attempt n > 1 step `{id}@attempt#{n}`. A step whose request follows a failed one (Inngest's
   * attempt > 0: an error, a worker that died, or one the request never reached) does not run the
   * effect: its output is an attempt record, so a streak of failed requests counts as one attempt,
   * and the next attempt is the next step. The record has to be the output of the step the request
   * was for: a request Inngest targets at one step (as it does for each step of a `Promise.all`) may
   * run that step only.
   */
  async #attempts(call: EffectCall, id: string): Promise<EntryRecord | DeadLetterRecord | MigrationStopRecord> {
    let attempt = 1 + this.#recordedRetries(id);
    for (let step = id; ; ) {
      const record = (await this.#run(step, async () => {
        if (this.#options.attempt === 0) return this.#attempt(call, id, attempt);
        return { ratchet: 'attempt', stepId: call.stepId, attempt: attempt + 1, execution: this.execution } satisfies AttemptRecord;
      })) as EntryRecord | DeadLetterRecord | MigrationStopRecord | AttemptRecord;
      if (record.ratchet !== 'attempt') return record;
      attempt = record.attempt;
      step = `${id}@attempt#${attempt}`;
    }
  }

  /** One attempt of an effect; runs only when the step is not memoized. */
  async #attempt(call: EffectCall, id: string, attempt: number): Promise<RatchetRecord> {
    // A safe point: nothing of this attempt has run (a retry after its backoff included).
    const migration = this.#migrationRequestAt(call);
    if (migration) return this.#migrationStopRecord(call, migration);
    const refused = admitAttempt(call.stepId, attempt, call.retry);
    if (refused) return this.#deadLetterRecord(id, call.stepId, refused.error);
    const started = Date.now();
    const running = this.#options.executor.execute(call.target, call.input, effectContext({ runId: this.runId, stepId: call.stepId, attempt, signal: this.#options.signal }));
    this.#inFlight.track(running);
    try {
      const result = await running;
      return this.#entryRecord(call, call.input, started, attempt, { status: 'completed', output: result.output, compensable: result.compensable });
    } catch (error) {
      if (this.#options.signal.aborted) throw error; // the worker is stopping: Inngest retries elsewhere
      const decision = decideAttempt(error, attempt, call.retry);
      if (decision.action === 'fail') return this.#entryRecord(call, call.input, started, attempt, { status: 'failed', error: decision.error });
      if (decision.action === 'dead-letter') return this.#deadLetterRecord(id, call.stepId, decision.error);
      throw toInngestError(decision.error, decision.delayMs);
    }
  }

  /** The journaled start and deadline of a sleep or a wait (`deadline` null: no timeout). */
  async #deadline(call: StepCall, durationMs: number | undefined): Promise<DeadlineRecord> {
    return (await this.#run(`${call.stepId}@at`, async () => {
      const startedAt = Date.now();
      const record: DeadlineRecord = {
        ratchet: 'deadline',
        position: call.position,
        stepId: call.stepId,
        startedAt,
        deadline: durationMs === undefined ? null : startedAt + durationMs,
        execution: this.execution,
      };
      return record;
    })) as DeadlineRecord;
  }

  /** Journals an entry that needs no attempt (the end of a sleep or signal wait) as its own step. */
  async #entry(call: StepCall, input: unknown, startedAt: number | undefined, output: () => unknown, signalEventId?: string): Promise<EntryRecord> {
    const record = (await this.#run(call.stepId, async () => {
      const now = Date.now();
      const entry = this.#entryRecord(call, input, startedAt ?? now, 1, { status: 'completed', output: output() });
      if (signalEventId !== undefined && entry.ratchet === 'entry') entry.signalEventId = signalEventId;
      return entry;
    })) as EntryRecord;
    this.#remember(record, call);
    return record;
  }

  #awaitRedrive(incident: string): Promise<unknown> {
    const event = eventNames.redrive(this.#options.app, this.runId);
    return this.#awaitEvent(`${incident}@redrive`, {
      event,
      if: `async.data.incident == ${celString(incident)}`,
      deadline: null,
      look: async (wokenBy) => {
        const found = (await this.#options.api.listEvents(event, { including: wokenBy })).find((e) => e.data.incident === incident);
        return found ? { event: { internalId: found.internal_id, data: found.data } } : {};
      },
    });
  }

  /**
   * Waits until `look` finds something (an event to deliver, or a migration request), or the
   * deadline passes (undefined). Each slice looks first, then waits for an event named `event`
   * (matching `if`, or the slice's end) as a wake-up, then looks again: what is delivered is always
   * what a look found, so buffered events keep their order, and an event sent between a look and
   * the wait's start is found by the next look.
   */
  async #awaitEvent(
    baseId: string,
    options: {
      event: string;
      if?: string;
      deadline: number | null;
      /** `wokenBy`: the id of the event that ended the last wait, which the look's read must list. */
      look: (wokenBy: string | undefined) => Promise<Pick<LookupRecord, 'event' | 'migration'>>;
      /** Whether a wait that timed out at the deadline ends it without a last look (nothing found then is due). */
      endAtDeadline?: boolean;
    },
  ): Promise<LookupRecord | undefined> {
    let wokenBy: string | undefined;
    for (let slice = 0; ; slice++) {
      const look = (await this.#run(`${baseId}@look#${slice}`, async () => {
        const found = await options.look(wokenBy);
        return { ratchet: 'lookup', ...found, at: Date.now(), execution: this.execution } satisfies LookupRecord;
      })) as LookupRecord;
      if (look.event || look.migration) return look;
      if (options.deadline !== null && look.at >= options.deadline) return undefined;
      const sliceMs = Math.min(this.#options.recheckMs * 2 ** slice, this.#options.recheckMaxMs);
      // The slice that reaches the deadline waits until it, as a time: the SDK writes a duration in
      // whole seconds (it drops the rest and rounds a shorter one up to 1 s), the server keeps a
      // time to the millisecond. Should its clock run ahead, the look after still finds the deadline
      // not reached and waits again.
      const toDeadline = options.deadline !== null && options.deadline - look.at <= sliceMs;
      const timeout = toDeadline ? new Date(options.deadline!) : sliceMs;
      const woken = await this.#step(() => this.#steps.waitForEvent(`${baseId}@wait#${slice}`, { event: options.event, timeout, ...(options.if ? { if: options.if } : {}) }));
      if (toDeadline && woken === null && options.endAtDeadline) return undefined;
      wokenBy = wokenEventId(woken);
    }
  }

  /**
   * The run's oldest migration request, if any: one read of the events the server keeps under the
   * run's migrate name (a page of up to 50; there is one per request). Called only inside steps that
   * run, never on replay: the step's memoized output keeps the answer.
   */
  async #migrationRequest(wokenBy?: string): Promise<MigrationRequest | undefined> {
    const name = eventNames.migrate(this.#options.app, this.runId);
    const [oldest] = await this.#options.api.listEvents(name, { including: wokenBy });
    return oldest ? parseEventData(migrationRequestSchema, oldest.data, `the migration request event ${name}`) : undefined;
  }

  /**
   * What this request knows of a migration request (asking again in the background when its answer
   * is a second old), if the step about to run at `call.position` is a safe point: it is not if a
   * step after it is journaled already. Steps in a `Promise.all` run in requests of their own, so a
   * sibling at a later position may have run first (this one was in its retry backoff, say);
   * stopping here would leave a gap in the journal, so this step runs and the next one stops.
   */
  #migrationRequestAt(call: StepCall): MigrationRequest | undefined {
    if (this.#lastPosition > call.position) return undefined;
    const { migrations, watched } = this.#options;
    migrations.refresh(watched, () => this.#migrationRequest());
    return watched.migration;
  }

  #migrationStopRecord(call: StepCall, migration: MigrationRequest): MigrationStopRecord {
    return { ratchet: 'migration-stop', stepId: call.stepId, to: migration.to, at: Date.now(), execution: this.execution };
  }

  /** Remembers where the run went and when it stopped, and builds the interrupt that stops it. */
  #stop(migration: { to: string }, stoppedAt: number, wait?: { call: StepCall; deadline: number | null }): ExecutionInterrupt {
    this.#migration ??= { to: migration.to, stoppedAt };
    return migrationStop(wait);
  }

  /**
   * How many retries of step `id` runs journaled before attempts were chained started: each was a
   * record step `{id}@retry#{n}` before the attempt itself, which only worked in requests that were
   * not targeted at one step. Such runs still replay, and continue with chained attempts.
   */
  #recordedRetries(id: string): number {
    let retries = 0;
    while (this.#memoized(`${id}@retry#${retries + 1}`)) retries += 1;
    return retries;
  }

  /** Whether the server sent this step's output with the request. */
  #memoized(id: string): boolean {
    return stepKey(id) in this.#options.memoized;
  }

  /** The journal holds the step the agent asks for at its position, or nothing there yet. */
  async #replay(call: StepCall): Promise<void> {
    const journaled = this.#journal.get(call.position);
    if (!journaled) return;
    if ('stepId' in journaled) return assertSameStep(call.position, journaled.stepId, call.stepId);
    if (journaled.key === stepKey(entryStepName(call.stepId, journaled.generation, journaled.attempts))) return;
    throw new NonDeterminismError(call.position, await this.#journaledStepId(call.position), call.stepId);
  }

  /**
   * The step id journaled at `position` when the memo only has its hash: read from the run's trace,
   * which names each step (only when a replay diverged).
   */
  async #journaledStepId(position: number): Promise<string> {
    const trace = await this.#options.api.trace(this.#options.inngestRunId);
    const entry = trace && readRunRecord(trace, this.#options.startEventTs).journal().find((e) => e.position === position);
    return entry?.stepId ?? `(a step journaled at position ${position})`;
  }

  #journaled(position: number, step: JournaledStep, signalEventId: string | undefined): void {
    this.#journal.set(position, step);
    this.#lastPosition = Math.max(this.#lastPosition, position);
    if (signalEventId) this.#consumedSignals.add(signalEventId);
  }

  /** Keeps an entry the agent's `call` got, which must sit at the call's position. */
  #remember(record: EntryRecord, call: StepCall): void {
    // Found under the call's step id, but journaled at another position: the steps moved.
    if (record.entry.position !== call.position) throw new NonDeterminismError(call.position, '(nothing)', call.stepId);
    this.#entries.set(record.entry.position, record.entry);
    this.#journaled(record.entry.position, { stepId: record.entry.stepId }, record.signalEventId);
  }

  /**
   * `step.run`, counted, with its output checked against the server's size limits. An entry is
   * stored compact in runs of journal version 2, and read back (memoized or not) as a full record.
   */
  async #run(id: string, body: () => Promise<RatchetRecord>): Promise<unknown> {
    const ran: { record?: RatchetRecord } = {};
    const stored = await this.#step(() =>
      this.#steps.run(id, async () => {
        const record = await body();
        const output = this.#stored(record, id);
        const bytes = jsonByteLength(output);
        const { maxStepOutputBytes, maxRunStateBytes } = this.#options.limits;
        if (record.ratchet === 'entry' && (bytes > maxStepOutputBytes || this.#stateBytes + bytes > maxRunStateBytes)) {
          const stepId = record.entry.stepId;
          const error =
            bytes > maxStepOutputBytes
              ? new PayloadTooLargeError({ what: `The output of step "${stepId}"`, bytes, limitBytes: maxStepOutputBytes, engine: 'Inngest', stepId })
              : new PayloadTooLargeError({ what: `The state of the run with step "${stepId}"`, bytes: this.#stateBytes + bytes, limitBytes: maxRunStateBytes, engine: 'Inngest', stepId });
          const { output: _output, input: _input, ...rest } = record.entry;
          return (ran.record = { ratchet: 'entry', entry: { ...rest, status: 'failed', error: serializeError(error) } } satisfies EntryRecord);
        }
        this.#stateBytes += bytes;
        ran.record = record;
        return output;
      }),
    );
    // Ran in this request: the record as it was made, without decoding what was stored.
    if (ran.record) return ran.record;
    return isCompactEntry(stored) ? decodeEntry(stored, entryStepId(stored, id), this.#options.startEventTs) : stored;
  }

  /** What step `id` stores for `record`. */
  #stored(record: RatchetRecord, id: string): unknown {
    return record.ratchet === 'entry' && this.#options.journalVersion >= 2 ? encodeEntry(record, id, this.#options.startEventTs) : record;
  }

  #step<T>(call: () => Promise<T>): Promise<T> {
    this.#stepCalls += 1;
    return call();
  }

  #entryRecord(
    call: StepCall,
    input: unknown,
    startedAt: number,
    attempts: number,
    outcome: { status: 'completed' | 'failed'; output?: unknown; error?: SerializedError; compensable?: boolean },
  ): EntryRecord {
    const entry: JournalEntry = {
      position: call.position,
      stepId: call.stepId,
      kind: call.kind,
      name: call.name,
      inputDigest: digest(input ?? null),
      ...(input === undefined ? {} : { input }),
      status: outcome.status,
      ...(outcome.status === 'completed' ? { output: outcome.output ?? null } : { error: outcome.error! }),
      attempts,
      startedAt,
      completedAt: Date.now(),
      execution: this.execution,
      ...(outcome.compensable ? { compensable: true } : {}),
    };
    return { ratchet: 'entry', entry };
  }

  #deadLetterRecord(incident: string, stepId: string | undefined, error: SerializedError): DeadLetterRecord {
    return { ratchet: 'dead-letter', incident, ...(stepId ? { stepId } : {}), error, execution: this.execution, at: Date.now() };
  }
}

/** The key Inngest gives a step's output in the memo: the SHA-1 of its id, in hex (the SDK's `hashId`). */
function stepKey(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}

/** The id of the event a `step.waitForEvent` returned (null when it timed out). */
function wokenEventId(woken: unknown): string | undefined {
  const id = typeof woken === 'object' && woken !== null ? (woken as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}
