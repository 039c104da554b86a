import * as restate from '@restatedev/restate-sdk';
import {
  AttemptGate,
  admitAttempt,
  attemptAfter,
  decideAttempt,
  digest,
  effectContext,
  migrationStop,
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type ExecutionInterrupt,
  type Gate,
  type MigrationRecord,
  type OpenWait,
  type PendingSignal,
  type SignalOutcome,
  type StepCall,
  type EffectRunner,
  type MigrationWatch,
  type WatchedRun,
} from '@ratchet/core';
import { CommandAwaiter } from './command-awaiter.ts';
import { failureFacts, fromRestateFailure, toRestateError } from './errors.ts';
import type { StepRecord } from './journal.ts';
import type { AttemptGrant, LedgerClient } from './ledger.ts';
import { migrationPromiseKey, signalPromiseKey, wakeMarkerName, type MigrationRequest } from './protocol.ts';
import { assertWithinLimit } from './payload-limit.ts';
import type { QueueSnapshot } from './signals.ts';

export interface RestateHostRun {
  runId: string;
  agent: string;
  seed: string;
  execution: number;
  /** The execution count when the run was last redriven (see attempt-gate.ts). */
  redrivenAt: number;
  /** The run's `RunRequest.journalVersion`. */
  journalVersion: number;
}

export interface RestateHostDeps {
  executor: EffectRunner;
  ledger: LedgerClient;
  migrations: MigrationWatch;
  /** This execution's view of the run's migration request. */
  watched: WatchedRun;
  maxPayloadBytes: number;
  /** The run's signal queue object (see signals.ts). */
  signalQueue: string;
  /** Signals a seeded run was handed, not consumed yet: each wait of a name takes these first. */
  carried: readonly PendingSignal[];
}

/** How a wait ended: its own outcome, or a migration request. */
type Woken<T> = { outcome: T } | { migration: MigrationRequest };

/**
 * Ratchet's durable primitives on one execution (one Restate attempt) of a workflow. Restate
 * replays its journal underneath: a position already journaled resolves from it, the rest runs.
 *
 * Each position starts with one `ctx.run` named by its step id, issued synchronously when the
 * agent asks, so Restate's command order is Ratchet's position order even under `Promise.all`,
 * and the SDK's replay check compares step ids: a different step at a journaled position makes the
 * SDK fail the attempt with a journal mismatch (code 570), which the client reports as a
 * `NonDeterminismError` and a dead letter. Waits combine their commands with `RestatePromise`
 * combinators, and every Restate promise is awaited through one `CommandAwaiter`: the SDK does not
 * support awaiting its promises separately at once, which native `Promise.all` in agents would do.
 *
 * A migration request stops the run at a safe point (see signals.ts for how it arrives):
 * - before a step that would run: the step's `ctx.run` looks at what this execution knows of a
 *   request (see core's migration-watch.ts) and on one journals a stop marker instead of running, so a
 *   replay stops at the same place and a replayed step never stops;
 * - inside a sleep or signal wait: each wait races the run's migration promise, which the request
 *   resolves, so a parked run wakes and stops with the wait's journaled deadline.
 */
export class RestateHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;

  readonly #ctx: restate.WorkflowContext;
  readonly #deps: RestateHostDeps;
  readonly #awaiter = new CommandAwaiter();
  readonly #gate = new AttemptGate();
  readonly #redrivenAt: number;
  readonly #wakeMarkers: boolean;
  /** Per signal name: the highest promise taken, and ones a timed-out or interrupted wait gave back. */
  readonly #signals = new Map<string, { next: number; released: number[] }>();
  /** Carried signals not taken yet, in arrival order. */
  readonly #carried: PendingSignal[];
  #stop: { to: string; position: number } | undefined;

  constructor(ctx: restate.WorkflowContext, run: RestateHostRun, deps: RestateHostDeps) {
    this.runId = run.runId;
    this.agent = run.agent;
    this.seed = run.seed;
    this.execution = run.execution;
    this.#redrivenAt = run.redrivenAt;
    this.#wakeMarkers = run.journalVersion >= 2;
    this.#ctx = ctx;
    this.#deps = deps;
    this.#carried = [...deps.carried];
  }

  /**
   * Runs the effect in a `ctx.run` and journals its result. Its attempt number counts attempts that
   * crashed their worker (see attempt-gate.ts). A retryable failure with attempts left ends the
   * Restate attempt with the policy's delay (Restate retries from the journal); with none left, or
   * past them after crashes, the invocation is paused (dead-lettered). A non-retryable failure is
   * journaled and thrown here.
   */
  async effect(call: EffectCall): Promise<EffectResult> {
    const gate = this.#gate.issue();
    let record: StepRecord;
    try {
      record = await this.#awaiter.wait(this.#ctx.run<StepRecord>(call.stepId, () => this.#attempt(call, gate)));
    } catch (error) {
      const facts = error instanceof restate.TerminalError ? failureFacts(error.metadata) : undefined;
      if (facts) this.#gate.settled(facts.execution, gate);
      throw fromRestateFailure(error);
    }
    this.#gate.settled(record.execution, gate);
    if (record.migration) throw this.#stopFor(record.migration, call);
    return { output: record.output, compensable: record.compensable ?? false };
  }

  /** A durable sleep: Restate journals the wake-up time, so a restart neither restarts nor skips it. */
  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    const head = this.#head(call, { durationMs: call.durationMs });
    const timer = this.#ctx.sleep(call.durationMs, call.stepId).map((): Woken<null> => ({ outcome: null }));
    const [record, woken] = await this.#awaiter.wait(restate.RestatePromise.all([head, restate.RestatePromise.race([timer, this.#migrationRequest<null>()])]));
    if ('migration' in woken) throw this.#stopFor(woken.migration, call, { deadline: record.startedAt + call.durationMs });
    await this.#woke();
  }

  /**
   * Waits on the durable promise of the lowest signal of that name this run has not taken; the
   * client's `signal` fills them in order, so signals sent before the wait are kept. With a
   * timeout it races a journaled `ctx.sleep`. A signal the run was handed when it was seeded is
   * taken first, at once.
   */
  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    const input = { signal: call.signal, timeoutMs: call.timeoutMs ?? null };
    const carried = this.#takeCarried(call.signal);
    if (carried) {
      const output: SignalOutcome = { received: true, payload: carried.payload };
      const gate = this.#gate.issue();
      const record = await this.#awaiter.wait(this.#head(call, input, output));
      this.#gate.settled(record.execution, gate);
      return record.output as SignalOutcome;
    }
    const seq = this.#takeSignal(call.signal);
    const head = this.#head(call, input);
    const delivered = this.#ctx
      .promise<unknown>(signalPromiseKey(call.signal, seq))
      .get()
      .map((payload): Woken<SignalOutcome> => ({ outcome: { received: true, payload: payload ?? null } }));
    const timeout =
      call.timeoutMs === undefined ? [] : [this.#ctx.sleep(call.timeoutMs, call.stepId).map((): Woken<SignalOutcome> => ({ outcome: { received: false } }))];
    const [record, woken] = await this.#awaiter.wait(
      restate.RestatePromise.all([head, restate.RestatePromise.race([delivered, ...timeout, this.#migrationRequest<SignalOutcome>()])]),
    );
    if ('migration' in woken) {
      this.#releaseSignal(call.signal, seq);
      throw this.#stopFor(woken.migration, call, { deadline: call.timeoutMs === undefined ? undefined : record.startedAt + call.timeoutMs });
    }
    if (!woken.outcome.received) this.#releaseSignal(call.signal, seq);
    await this.#woke();
    return woken.outcome;
  }

  /**
   * The time, journaled in a `ctx.run` named by the step id (what `ctx.date.now()` does). Not a
   * safe point, unlike a step or a wait: asking for a migration request would cost a call outside
   * the journal on every read of the clock (the bench measured 7.5 ms against 1.4), and the run
   * stops at its next step or wait anyway, with this entry carried over like any other. A stop
   * marker an earlier version journaled here still replays, and stops, as it did.
   */
  async now(call: StepCall): Promise<number> {
    const gate = this.#gate.issue();
    const record = await this.#awaiter.wait(
      this.#ctx.run<StepRecord>(call.stepId, () => {
        const now = Date.now();
        return { input: null, output: now, startedAt: now, execution: this.execution };
      }),
    );
    this.#gate.settled(record.execution, gate);
    if (record.migration) throw this.#stopFor(record.migration, call);
    return record.output as number;
  }

  /** Where the run stopped for a migration, once a step or wait has thrown `migrationStop`. */
  get migrationStop(): { to: string; position: number } | undefined {
    return this.#stop;
  }

  /**
   * What the run hands over after it stopped: the signals it was handed and did not take, then those
   * its queue delivered (in arrival order) that no wait consumed, read from their promises. Its queue
   * took no signal after the request, so the list is complete. Journaled (a call and promise reads),
   * so a replay builds the same record.
   */
  async migrationRecord(openWait: OpenWait | undefined): Promise<MigrationRecord> {
    const stop = this.#stop!;
    const snapshot = await this.#awaiter.wait(
      this.#ctx.genericCall<null, QueueSnapshot>({
        service: this.#deps.signalQueue,
        method: 'snapshot',
        key: this.runId,
        parameter: null,
        inputSerde: restate.serde.json,
        outputSerde: restate.serde.json,
      }),
    );
    const unconsumed = snapshot.delivered.filter(({ name, seq }) => {
      const taken = this.#signals.get(name) ?? { next: 0, released: [] };
      return seq > taken.next || taken.released.includes(seq);
    });
    const payloads =
      unconsumed.length === 0
        ? []
        : await this.#awaiter.wait(restate.RestatePromise.all(unconsumed.map(({ name, seq }) => this.#ctx.promise<unknown>(signalPromiseKey(name, seq)).get())));
    return {
      to: stop.to,
      stoppedAt: snapshot.at,
      signals: [...this.#carried, ...unconsumed.map(({ name }, index) => ({ name, payload: payloads[index] ?? null }))],
      ...(openWait ? { openWait } : {}),
    };
  }

  async #attempt(call: EffectCall, gate: Gate): Promise<StepRecord> {
    const { watched, migrations, ledger } = this.#deps;
    migrations.refresh(watched, async () => (await ledger.attemptState(this.runId, call.stepId)).migration);
    if (watched.migration) return this.#stopRecord(watched.migration);
    const grant = await this.#grant(call, gate);
    if (grant.migration) return this.#stopRecord(grant.migration);
    const { attempt, lastError } = grant;
    const refused = admitAttempt(call.stepId, attempt, call.retry, lastError);
    if (refused) {
      await this.#deps.ledger.recordFailure(this.runId, call.stepId, refused.error, true);
      throw toRestateError(refused.error, { action: 'dead-letter', stepId: call.stepId, attempts: attempt - 1 });
    }
    const signal = this.#ctx.request().attemptCompletedSignal;
    const startedAt = Date.now();
    let record: StepRecord;
    try {
      const result = await this.#deps.executor.execute(call.target, call.input, effectContext({ runId: this.runId, stepId: call.stepId, attempt, signal }));
      // Defaults left out (the reader derives the digest): every step pays for each byte journaled.
      record = {
        input: call.input,
        output: result.output,
        ...(result.compensable ? { compensable: true } : {}),
        ...(attempt === 1 ? {} : { attempts: attempt }),
        startedAt,
        completedAt: Date.now(),
        execution: this.execution,
      };
      assertWithinLimit(record, `The journaled result of step "${call.stepId}"`, this.#deps.maxPayloadBytes);
    } catch (error) {
      // The attempt is over (suspended, lost its connection): whatever happens next is not this attempt's.
      if (signal.aborted) throw error;
      const decision = decideAttempt(error, attempt, call.retry);
      if (decision.action === 'fail') {
        const facts = { input: call.input, inputDigest: digest(call.input ?? null), attempts: attempt, startedAt, completedAt: Date.now(), execution: this.execution };
        throw toRestateError(decision.error, { action: 'fail', facts });
      }
      await this.#deps.ledger.recordFailure(this.runId, call.stepId, decision.error, decision.action === 'dead-letter');
      throw toRestateError(
        decision.error,
        decision.action === 'dead-letter' ? { action: 'dead-letter', stepId: call.stepId, attempts: attempt } : { action: 'retry', delayMs: decision.delayMs },
      );
    }
    return record;
  }

  /**
   * A wait settled: the steps after it cannot be dated by the records before it (see
   * attempt-gate.ts). A run of journal version 2 journals a wake marker, whose execution dates
   * them: a round trip on the invocation's own stream instead of a ledger call per step after it.
   */
  async #woke(): Promise<void> {
    this.#gate.waited();
    if (!this.#wakeMarkers) return;
    const gate = this.#gate.issue();
    this.#gate.settled(await this.#awaiter.wait(this.#ctx.run<number>(wakeMarkerName, () => this.execution)), gate);
  }

  /**
   * The attempt about to run and the last one's failure. The first attempt after a known gate asks
   * nothing; a retry reads its last failure from the ledger; a step after a wait has each attempt
   * counted there (see attempt-gate.ts).
   */
  async #grant(call: EffectCall, gate: Gate): Promise<AttemptGrant> {
    if ('unknown' in gate) return this.#deps.ledger.beginAttempt(this.runId, call.stepId);
    const attempt = attemptAfter(gate, this.execution, this.#redrivenAt);
    if (attempt === 1) return { attempt, lastError: null };
    const state = await this.#deps.ledger.attemptState(this.runId, call.stepId);
    return state.migration ? { migration: state.migration } : { attempt, lastError: state.lastError };
  }

  /**
   * The head `ctx.run` of a wait: its input and start, journaled under the step id; with `output`
   * (a carried signal) the wait's outcome too.
   */
  #head(call: StepCall, input: unknown, output?: SignalOutcome): restate.RestatePromise<StepRecord> {
    return this.#ctx.run<StepRecord>(call.stepId, () => ({
      input,
      startedAt: Date.now(),
      execution: this.execution,
      ...(output ? { output } : {}),
    }));
  }

  /** The wait's branch that the run's migration promise settles (only ever resolved): one `GetPromise` per wait. */
  #migrationRequest<T>(): restate.RestatePromise<Woken<T>> {
    return this.#ctx
      .promise<MigrationRequest>(migrationPromiseKey)
      .get()
      .map((migration): Woken<T> => ({ migration: migration! }));
  }

  /** The stop marker a step journals instead of its result: nothing ran. */
  #stopRecord(migration: MigrationRequest): StepRecord {
    return { input: null, attempts: 0, startedAt: Date.now(), execution: this.execution, migration };
  }

  /**
   * Notes where the run stopped (the lowest position, when steps ran side by side) and builds the
   * interrupt: at a step boundary, or in a wait (`wait`) with the deadline its head journaled.
   */
  #stopFor(migration: MigrationRequest, call: StepCall, wait?: { deadline: number | undefined }): ExecutionInterrupt {
    if (!this.#stop || call.position < this.#stop.position) this.#stop = { to: migration.to, position: call.position };
    return wait ? migrationStop({ call, deadline: wait.deadline }) : migrationStop();
  }

  #takeCarried(signal: string): PendingSignal | undefined {
    const index = this.#carried.findIndex((carried) => carried.name === signal);
    return index === -1 ? undefined : this.#carried.splice(index, 1)[0];
  }

  #takeSignal(signal: string): number {
    const state = this.#signals.get(signal) ?? { next: 0, released: [] };
    this.#signals.set(signal, state);
    return state.released.shift() ?? ++state.next;
  }

  #releaseSignal(signal: string, seq: number): void {
    const state = this.#signals.get(signal)!;
    state.released.push(seq);
    state.released.sort((a, b) => a - b);
  }
}
