import * as restate from '@restatedev/restate-sdk';
import {
  crashedAttemptsError,
  digest,
  retryDelayMs,
  serializeError,
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type SerializedError,
  type SignalOutcome,
  type StepCall,
} from '@ratchet/core';
import type { EffectExecutor } from '@ratchet/core/worker';
import { CommandAwaiter } from './command-awaiter.ts';
import { fromRestateFailure, toRestateError } from './errors.ts';
import type { StepRecord } from './journal.ts';
import type { LedgerClient } from './ledger.ts';
import { signalPromiseKey } from './naming.ts';
import { assertWithinLimit } from './payload-limit.ts';

export interface RestateHostRun {
  runId: string;
  agent: string;
  seed: string;
  execution: number;
}

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
 */
export class RestateHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;

  readonly #ctx: restate.WorkflowContext;
  readonly #executor: EffectExecutor;
  readonly #ledger: LedgerClient;
  readonly #maxPayloadBytes: number;
  readonly #awaiter = new CommandAwaiter();
  /** Per signal name: the highest promise taken, and ones a timed-out wait gave back. */
  readonly #signals = new Map<string, { next: number; released: number[] }>();

  constructor(ctx: restate.WorkflowContext, run: RestateHostRun, deps: { executor: EffectExecutor; ledger: LedgerClient; maxPayloadBytes: number }) {
    this.runId = run.runId;
    this.agent = run.agent;
    this.seed = run.seed;
    this.execution = run.execution;
    this.#ctx = ctx;
    this.#executor = deps.executor;
    this.#ledger = deps.ledger;
    this.#maxPayloadBytes = deps.maxPayloadBytes;
  }

  /**
   * Runs the effect in a `ctx.run` and journals its result. Each attempt is counted in the ledger
   * before it runs, so an attempt that crashed its worker counts. A retryable failure with attempts
   * left ends the Restate attempt with the policy's delay (Restate retries from the journal); with
   * none left, or past them after crashes, the invocation is paused (dead-lettered). A non-retryable
   * failure is journaled and thrown here.
   */
  async effect(call: EffectCall): Promise<EffectResult> {
    try {
      const record = await this.#awaiter.wait(this.#ctx.run<StepRecord>(call.stepId, () => this.#attempt(call)));
      return { output: record.output, compensable: record.compensable ?? false };
    } catch (error) {
      throw fromRestateFailure(error);
    }
  }

  /** A durable sleep: Restate journals the wake-up time, so a restart neither restarts nor skips it. */
  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    const input = { durationMs: call.durationMs };
    const head = this.#head(call, input);
    const timer = this.#ctx.sleep(call.durationMs, call.stepId);
    await this.#awaiter.wait(restate.RestatePromise.all([head, timer]));
  }

  /**
   * Waits on the durable promise of the lowest signal of that name this run has not taken; the
   * client's `signal` fills them in order, so signals sent before the wait are kept. With a
   * timeout it races a journaled `ctx.sleep`.
   */
  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    const input = { signal: call.signal, timeoutMs: call.timeoutMs ?? null };
    const seq = this.#takeSignal(call.signal);
    const head = this.#head(call, input);
    const delivered = this.#ctx
      .promise<unknown>(signalPromiseKey(call.signal, seq))
      .get()
      .map((payload): SignalOutcome => ({ received: true, payload: payload ?? null }));
    const outcome =
      call.timeoutMs === undefined
        ? delivered
        : restate.RestatePromise.race([delivered, this.#ctx.sleep(call.timeoutMs, call.stepId).map((): SignalOutcome => ({ received: false }))]);
    const [, result] = await this.#awaiter.wait(restate.RestatePromise.all([head, outcome]));
    if (!result.received) this.#releaseSignal(call.signal, seq);
    return result;
  }

  /** The time, journaled in a named `ctx.run` (what `ctx.date.now()` does, but carrying the step id). */
  async now(call: StepCall): Promise<number> {
    const record = await this.#awaiter.wait(
      this.#ctx.run<StepRecord>(call.stepId, () => {
        const now = Date.now();
        return { input: null, inputDigest: digest(null), output: now, attempts: 1, startedAt: now, completedAt: now, execution: this.execution };
      }),
    );
    return record.output as number;
  }

  async #attempt(call: EffectCall): Promise<StepRecord> {
    const { attempt, lastError } = await this.#ledger.beginAttempt(this.runId, call.stepId);
    if (attempt > call.retry.maxAttempts) {
      // The attempts past the limit crashed their workers before recording an outcome.
      const error = lastError ?? crashedAttemptsError(call.stepId, attempt - 1);
      await this.#ledger.recordFailure(this.runId, call.stepId, error, true);
      throw toRestateError(error, { action: 'dead-letter', stepId: call.stepId, attempts: attempt - 1 });
    }
    const signal = this.#ctx.request().attemptCompletedSignal;
    const inputDigest = digest(call.input ?? null);
    const startedAt = Date.now();
    let record: StepRecord;
    try {
      const result = await this.#executor.execute(call.target, call.input, {
        runId: this.runId,
        stepId: call.stepId,
        idempotencyKey: `${this.runId}:${call.stepId}`,
        attempt,
        signal,
      });
      record = { input: call.input, inputDigest, output: result.output, compensable: result.compensable, attempts: attempt, startedAt, completedAt: Date.now(), execution: this.execution };
      assertWithinLimit(record, `The journaled result of step "${call.stepId}"`, this.#maxPayloadBytes);
    } catch (error) {
      // The attempt is over (suspended, lost its connection): whatever happens next is not this attempt's.
      if (signal.aborted) throw error;
      const serialized = serializeError(error);
      if (!serialized.retryable) {
        const facts = { input: call.input, inputDigest, attempts: attempt, startedAt, completedAt: Date.now(), execution: this.execution };
        throw toRestateError(serialized, { action: 'fail', facts });
      }
      const exhausted = attempt >= call.retry.maxAttempts;
      await this.#ledger.recordFailure(this.runId, call.stepId, serialized, exhausted);
      throw toRestateError(
        serialized,
        exhausted
          ? { action: 'dead-letter', stepId: call.stepId, attempts: attempt }
          : { action: 'retry', delayMs: retryDelayMs(call.retry, attempt, serialized.retryAfterMs) },
      );
    }
    return record;
  }

  /** The head `ctx.run` of a wait: its input and start, journaled under the step id. */
  #head(call: StepCall, input: unknown): restate.RestatePromise<StepRecord> {
    return this.#ctx.run<StepRecord>(call.stepId, () => ({ input, inputDigest: digest(input), attempts: 1, startedAt: Date.now(), execution: this.execution }));
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

