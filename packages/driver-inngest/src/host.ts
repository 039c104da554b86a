import {
  crashedAttemptsError,
  NonDeterminismError,
  type ExecutionInterrupt,
  assertSameStep,
  deserializeError,
  digest,
  retryDelayMs,
  serializeError,
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type JournalEntry,
  type SerializedError,
  type SignalOutcome,
  type StepCall,
} from '@ratchet/core';
import { createHash } from 'node:crypto';
import type { EffectExecutor } from '@ratchet/core/worker';
import { EngineLimitError, toInngestError } from './errors.ts';
import {
  celString,
  eventNames,
  isRatchetRecord,
  type AttemptRecord,
  type DeadLetterRecord,
  type DeadlineRecord,
  type EntryRecord,
  type LookupRecord,
  type RatchetRecord,
} from './protocol.ts';
import type { ServerApi, StoredEvent } from './server-api.ts';

/** The part of Inngest's `step` tools the host uses. */
export interface InngestSteps {
  run<T>(id: string, body: () => Promise<T>): Promise<unknown>;
  sleep(id: string, durationMs: number): Promise<unknown>;
  waitForEvent(id: string, options: { event: string; timeout: number; if: string }): Promise<unknown>;
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
}

export interface HostOptions {
  app: string;
  runId: string;
  agent: string;
  seed: string;
  /** Inngest's 0-based attempt of this request. */
  attempt: number;
  /** The step outputs the server sent with this request, keyed by hashed step id. */
  memoized: Record<string, { type: string; data?: unknown }>;
  steps: InngestSteps;
  executor: EffectExecutor;
  api: ServerApi;
  signal: AbortSignal;
  limits: HostLimits;
  /** First wait slice before buffered events are looked at again; doubles up to `recheckMaxMs`. */
  recheckMs: number;
  recheckMaxMs: number;
}

// Steps kept free under `maxSteps` for what a failing run still has to do (compensations, the end).
const stepHeadroom = 50;

/**
 * The Inngest driver's durable primitives for one request of one run. Inngest re-runs the function
 * from the top on every request and answers each `step.*` call from its memo, so the host replays by
 * calling the same step tools with the same ids in the same order; what is not memoized runs.
 *
 * - An effect is one `step.run` whose output is the journal entry itself (position, attempts,
 *   output or the terminal error), so the journal is read back from the server's own record.
 *   Retryable failures throw `RetryAfterError` with the policy's delay; when attempts run out the
 *   step returns a dead-letter record and the run parks on a redrive event, then runs the step again
 *   under a new id. Earlier steps stay memoized: a redrive resumes at the failed step.
 * - A sleep is a journaled deadline, `step.sleep` until it, then its entry.
 * - A signal wait first looks for a buffered signal event (signals are events the server keeps), and
 *   only then waits with `step.waitForEvent`, used as a wake-up: a wait only sees events sent after
 *   it began, so each wake-up (or slice timeout) looks at the buffer again, which also catches a
 *   signal sent between the look and the wait starting.
 * - Non-determinism is checked against the memo before any step tool is called.
 */
export class InngestHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;

  readonly #options: HostOptions;
  readonly #steps: InngestSteps;
  /** Journal entries by position: memoized ones, then the ones this request adds. */
  readonly #journal = new Map<number, JournalEntry>();
  /** Where each memoized step id sits, to catch a step asked for at another position. */
  readonly #positions = new Map<string, number>();
  readonly #consumedSignals = new Set<string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #stateBytes = 0;
  #stepCalls = 0;
  #parks = 0;

  constructor(options: HostOptions) {
    this.#options = options;
    this.#steps = options.steps;
    this.runId = options.runId;
    this.agent = options.agent;
    this.seed = options.seed;
    let lastExecution = 0;
    for (const memo of Object.values(options.memoized)) {
      this.#stateBytes += byteLength(memo.data ?? null);
      if (!isRatchetRecord(memo.data)) continue;
      const record = memo.data;
      lastExecution = Math.max(lastExecution, record.ratchet === 'entry' ? record.entry.execution : record.execution);
      if (record.ratchet !== 'entry') continue;
      this.#journal.set(record.entry.position, record.entry);
      this.#positions.set(record.entry.stepId, record.entry.position);
      if (record.signalEventId) this.#consumedSignals.add(record.signalEventId);
    }
    // A retried request (Inngest's attempt > 0) is a new execution even if nothing was journaled.
    this.execution = lastExecution + 1 + options.attempt;
  }

  async effect(call: EffectCall): Promise<EffectResult> {
    this.#replay(call);
    for (let generation = 0; ; generation++) {
      const id = generation === 0 ? call.stepId : `${call.stepId}~redrive${generation}`;
      let attempt = 1 + this.#startedRetries(id);
      if (this.#options.attempt > 0 && !this.#memoized(id)) {
        // This request follows one that failed (an error, a worker that died, or a worker that was not
        // there): journal that another attempt starts. Inngest answers the next request (attempt 0
        // again) once this step is stored, so the count lives here, not in Inngest's attempt number.
        attempt += 1;
        const retry = attempt - 1;
        await this.#run(`${id}@retry#${retry}`, async () => ({ ratchet: 'attempt', stepId: call.stepId, attempt, execution: this.execution }) satisfies AttemptRecord);
      }
      const record = (await this.#run(id, () => this.#attempt(call, id, attempt))) as EntryRecord | DeadLetterRecord;
      if (record.ratchet === 'entry') {
        this.#remember(record);
        if (record.entry.status === 'failed') throw deserializeError(record.entry.error!);
        return { output: record.entry.output, compensable: record.entry.compensable === true };
      }
      await this.#awaitRedrive(record.incident);
    }
  }

  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    this.#replay(call);
    const started = await this.#deadline(call, call.durationMs);
    // A relative sleep for what is left of the journaled deadline: the server rounds it up to its 1 s
    // resolution, so the sleep never ends early (an absolute time under a second away can).
    await this.#step(() => this.#steps.sleep(`${call.stepId}@sleep`, Math.max(1, started.deadline! - Date.now())));
    await this.#entry(call, { durationMs: call.durationMs }, started.startedAt, () => ({ firedAt: Date.now() }));
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    this.#replay(call);
    const started = await this.#deadline(call, call.timeoutMs);
    const event = await this.#awaitEvent(call.stepId, {
      event: eventNames.signal(this.#options.app, this.runId),
      if: `async.data.name == ${celString(call.signal)}`,
      deadline: started.deadline,
      pick: (events) => events.find((e) => e.data.name === call.signal && !this.#consumedSignals.has(e.internal_id)),
    });
    const outcome: SignalOutcome = event ? { received: true, payload: event.data.payload ?? null } : { received: false };
    const record = await this.#entry(call, { signal: call.signal, timeoutMs: call.timeoutMs ?? null }, started.startedAt, () => outcome, event?.internalId);
    if (record.signalEventId) this.#consumedSignals.add(record.signalEventId);
    return record.entry.output as SignalOutcome;
  }

  async now(call: StepCall): Promise<number> {
    this.#replay(call);
    const record = await this.#entry(call, null, undefined, () => Date.now());
    return record.entry.output as number;
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
    await Promise.allSettled([...this.#inFlight]);
  }

  /** One attempt of an effect; runs only when the step is not memoized. */
  async #attempt(call: EffectCall, id: string, attempt: number): Promise<RatchetRecord> {
    const maxAttempts = call.retry.maxAttempts;
    if (attempt > maxAttempts) {
      // Earlier attempts ended with their worker dying before an outcome was recorded.
      return this.#deadLetterRecord(id, call.stepId, crashedAttemptsError(call.stepId, attempt - 1));
    }
    const started = Date.now();
    if (call.kind !== 'compensation' && this.#stepCalls > this.#options.limits.maxSteps - stepHeadroom) {
      const error = new EngineLimitError('step count', { stepId: call.stepId, limit: this.#options.limits.maxSteps - stepHeadroom, actual: this.#stepCalls });
      return this.#entryRecord(call, call.input, started, attempt, { status: 'failed', error: serializeError(error) });
    }
    const running = this.#options.executor.execute(call.target, call.input, {
      runId: this.runId,
      stepId: call.stepId,
      idempotencyKey: `${this.runId}:${call.stepId}`,
      attempt,
      signal: this.#options.signal,
    });
    this.#track(running);
    try {
      const result = await running;
      return this.#entryRecord(call, call.input, started, attempt, { status: 'completed', output: result.output, compensable: result.compensable });
    } catch (error) {
      if (this.#options.signal.aborted) throw error; // the worker is stopping: Inngest retries elsewhere
      const serialized = serializeError(error);
      if (!serialized.retryable) return this.#entryRecord(call, call.input, started, attempt, { status: 'failed', error: serialized });
      if (attempt >= maxAttempts) return this.#deadLetterRecord(id, call.stepId, serialized);
      throw toInngestError(error, retryDelayMs(call.retry, attempt, serialized.retryAfterMs));
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

  /** Journals an entry that needs no attempt (sleep, signal, now) as its own step. */
  async #entry(call: StepCall, input: unknown, startedAt: number | undefined, output: () => unknown, signalEventId?: string): Promise<EntryRecord> {
    const record = (await this.#run(call.stepId, async () => {
      const now = Date.now();
      const entry = this.#entryRecord(call, input, startedAt ?? now, 1, { status: 'completed', output: output() });
      if (signalEventId !== undefined && entry.ratchet === 'entry') entry.signalEventId = signalEventId;
      return entry;
    })) as EntryRecord;
    this.#remember(record);
    return record;
  }

  #awaitRedrive(incident: string): Promise<unknown> {
    return this.#awaitEvent(`${incident}@redrive`, {
      event: eventNames.redrive(this.#options.app, this.runId),
      if: `async.data.incident == ${celString(incident)}`,
      deadline: null,
      pick: (events) => events.find((e) => e.data.incident === incident),
    });
  }

  /**
   * Waits until `pick` finds an event among those the server keeps under `event`, or the deadline
   * passes. Each slice looks first, then waits for a matching event (or the slice's end) as a
   * wake-up, then looks again: what is delivered is always what the look found, so buffered events
   * keep their order, and an event sent between a look and the wait's start is found by the next look.
   */
  async #awaitEvent(
    baseId: string,
    options: { event: string; if: string; deadline: number | null; pick: (events: StoredEvent[]) => StoredEvent | undefined },
  ): Promise<LookupRecord['event']> {
    for (let slice = 0; ; slice++) {
      const look = (await this.#run(`${baseId}@look#${slice}`, async () => {
        const found = options.pick(await this.#options.api.listEvents(options.event));
        const record: LookupRecord = {
          ratchet: 'lookup',
          ...(found ? { event: { internalId: found.internal_id, data: found.data } } : {}),
          at: Date.now(),
          execution: this.execution,
        };
        return record;
      })) as LookupRecord;
      if (look.event) return look.event;
      if (options.deadline !== null && look.at >= options.deadline) return undefined;
      const sliceMs = Math.min(this.#options.recheckMs * 2 ** slice, this.#options.recheckMaxMs);
      const timeout = options.deadline === null ? sliceMs : Math.min(sliceMs, options.deadline - look.at);
      await this.#step(() => this.#steps.waitForEvent(`${baseId}@wait#${slice}`, { event: options.event, if: options.if, timeout: Math.max(1, timeout) }));
    }
  }

  /** How many retries of step `id` have started so far (their records are memoized). */
  #startedRetries(id: string): number {
    let retries = 0;
    while (this.#memoized(`${id}@retry#${retries + 1}`)) retries += 1;
    return retries;
  }

  /** Whether the server sent this step's output with the request (Inngest keys it by SHA-1 of the id). */
  #memoized(id: string): boolean {
    return createHash('sha1').update(id).digest('hex') in this.#options.memoized;
  }

  #replay(call: StepCall): void {
    const journaled = this.#journal.get(call.position);
    if (journaled) assertSameStep(call.position, journaled.stepId, call.stepId);
    const elsewhere = this.#positions.get(call.stepId);
    if (elsewhere !== undefined && elsewhere !== call.position) {
      throw new NonDeterminismError(call.position, journaled?.stepId ?? '(nothing)', call.stepId);
    }
  }

  #remember(record: EntryRecord): void {
    this.#journal.set(record.entry.position, record.entry);
    this.#positions.set(record.entry.stepId, record.entry.position);
  }

  /** `step.run`, counted, with its output checked against the server's size limits. */
  #run(id: string, body: () => Promise<RatchetRecord>): Promise<unknown> {
    return this.#step(() =>
      this.#steps.run(id, async () => {
        const record = await body();
        const bytes = byteLength(record);
        const { maxStepOutputBytes, maxRunStateBytes } = this.#options.limits;
        if (record.ratchet === 'entry' && (bytes > maxStepOutputBytes || this.#stateBytes + bytes > maxRunStateBytes)) {
          const error =
            bytes > maxStepOutputBytes
              ? new EngineLimitError('step output size', { stepId: record.entry.stepId, limit: maxStepOutputBytes, actual: bytes })
              : new EngineLimitError('run state size', { stepId: record.entry.stepId, limit: maxRunStateBytes, actual: this.#stateBytes + bytes });
          const { output: _output, input: _input, ...rest } = record.entry;
          return { ratchet: 'entry', entry: { ...rest, status: 'failed', error: serializeError(error) } } satisfies EntryRecord;
        }
        this.#stateBytes += bytes;
        return record;
      }),
    );
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

  #track(promise: Promise<unknown>): void {
    const settled = promise.then(() => undefined, () => undefined);
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
  }
}


function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

