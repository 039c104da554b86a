import {
  AttemptGate,
  ExecutionInterrupt,
  InFlightEffects,
  admitAttempt,
  attemptAfter,
  assertSameStep,
  decideAttempt,
  deserializeError,
  effectContext,
  migrationStop,
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type SerializedError,
  type SignalOutcome,
  type StepCall,
  type EffectRunner,
} from '@ratchet/core';
import { spelledBy, type JournalRow } from './journal.ts';
import type { ClaimedRun, RunStore } from './run-store.ts';

/**
 * The local driver's durable primitives for one execution of one run. It replays from the journal
 * it loaded when the execution began; what is not journaled it runs, journals (fenced by the lease)
 * and returns. Waiting is never done in memory: a sleep, a signal wait or a retry backoff suspends
 * the execution, and the worker resumes it from the top when it is due. Before each step it has not
 * journaled yet, and in every wait, it looks for a migration request and stops there if one came.
 */
export class LocalHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;

  readonly #store: RunStore;
  readonly #executor: EffectRunner;
  readonly #workerId: string;
  readonly #signal: AbortSignal;
  /** The run's journaled rows by position, each until this execution has replayed it. */
  readonly #journal: Map<number, JournalRow>;
  readonly #inFlight = new InFlightEffects();
  readonly #gate = new AttemptGate();
  readonly #lease: { expiresAt: number };

  constructor(run: ClaimedRun, deps: { store: RunStore; executor: EffectRunner; workerId: string; signal: AbortSignal; lease: { expiresAt: number } }) {
    this.runId = run.id;
    this.agent = run.agent;
    this.seed = run.seed;
    this.execution = run.executions;
    this.#store = deps.store;
    this.#executor = deps.executor;
    this.#workerId = deps.workerId;
    this.#signal = deps.signal;
    this.#lease = deps.lease;
    this.#journal = new Map(deps.store.loadJournal(run.id).map((row) => [row.position, row]));
  }

  /**
   * A step's first attempt after a gate settled in this execution writes nothing before it runs (see
   * core's attempt-gate.ts: every record names its execution, and each claim of the run counts one);
   * any other attempt, or one while the lease may have passed, is recorded first, fenced by the lease.
   */
  async effect(call: EffectCall): Promise<EffectResult> {
    const gate = this.#gate.issue();
    const journaled = this.#replay(call);
    if (journaled) {
      if (journaled.status === 'failed') throw deserializeError(JSON.parse(journaled.error!) as SerializedError);
      return { output: JSON.parse(journaled.output!), compensable: journaled.compensable === 1 };
    }
    // The worker is stopping (or lost the lease): the run resumes elsewhere from here, not a step later.
    if (this.#signal.aborted) throw new ExecutionInterrupt('abandon');
    this.#stopIfMigrating();
    // Issued after a record this execution journaled, the step is issued for the first time: it has
    // no pending row to read. Otherwise a pending row means it failed or was counted before, and the
    // row counts its attempts.
    const firstIssue = 'execution' in gate && gate.execution === this.execution;
    const pending = firstIssue ? undefined : this.#store.pendingStep(this.runId, call.position);
    const now = Date.now();
    if (pending && pending.nextAttemptAt > now) throw new ExecutionInterrupt('suspend', { wakeAt: pending.nextAttemptAt });
    const reckoned = pending || 'unknown' in gate ? undefined : attemptAfter(gate, this.execution, 0);
    const counted = !(reckoned === 1 && now < this.#lease.expiresAt);
    const attempt = counted ? this.#store.beginAttempt(this.runId, this.#workerId, call.position, call.stepId, now, reckoned ?? 1) : 1;
    const refused = admitAttempt(call.stepId, attempt, call.retry, pending?.lastError);
    if (refused) throw this.#deadLetter(call, refused.error);
    // Tracked until its result is journaled too (committed with others, see group-commit.ts), so an
    // execution a sibling ended lets the run go only after this attempt wrote what it did.
    const attempted = this.#attempt(call, attempt, counted, now);
    this.#inFlight.track(attempted);
    return attempted;
  }

  async #attempt(call: EffectCall, attempt: number, counted: boolean, now: number): Promise<EffectResult> {
    const started = Date.now();
    let result: EffectResult;
    try {
      result = await this.#executor.execute(call.target, call.input, effectContext({ runId: this.runId, stepId: call.stepId, attempt, signal: this.#signal }));
    } catch (error) {
      if (this.#signal.aborted || ExecutionInterrupt.isInstance(error)) throw new ExecutionInterrupt('abandon');
      const decision = decideAttempt(error, attempt, call.retry);
      // The retry and the dead letter are kept in the step's pending row, which a redrive resets.
      if (!counted && decision.action !== 'fail') this.#store.beginAttempt(this.runId, this.#workerId, call.position, call.stepId, now);
      if (decision.action === 'fail') {
        await this.#append(call, started, attempt, { status: 'failed', error: decision.error });
        throw deserializeError(decision.error);
      }
      if (decision.action === 'dead-letter') throw this.#deadLetter(call, decision.error);
      const wakeAt = Date.now() + decision.delayMs;
      this.#store.scheduleRetry(this.runId, this.#workerId, call.position, wakeAt, decision.error);
      throw new ExecutionInterrupt('suspend', { wakeAt });
    }
    const row = await this.#append(call, started, attempt, { status: 'completed', output: result.output, compensable: result.compensable });
    // Hand back what the journal holds, so the first execution sees exactly what a replay will.
    return { output: JSON.parse(row.output!), compensable: result.compensable };
  }

  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    if (this.#replay(call)) return;
    const now = Date.now();
    const deadline = this.#deadline(call, now + call.durationMs, now)!;
    if (now < deadline) throw new ExecutionInterrupt('suspend', { wakeAt: deadline });
    await this.#append(call, deadline - call.durationMs, 1, { status: 'completed', output: { firedAt: now } }, { durationMs: call.durationMs });
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    const journaled = this.#replay(call);
    if (journaled) return JSON.parse(journaled.output!) as SignalOutcome;
    const now = Date.now();
    const deadline = this.#deadline(call, call.timeoutMs === undefined ? null : now + call.timeoutMs, now);
    const input = { signal: call.signal, timeoutMs: call.timeoutMs ?? null };
    const row = this.#row(call, input, now, 1, { status: 'completed' });
    const consumed = this.#store.consumeSignal(this.#workerId, row, call.signal);
    if (consumed) {
      this.#gate.settled(this.execution);
      return { received: true, payload: consumed.payload };
    }
    if (deadline !== null && now >= deadline) {
      await this.#append(call, now, 1, { status: 'completed', output: { received: false } }, input);
      return { received: false };
    }
    throw new ExecutionInterrupt('suspend', deadline === null ? {} : { wakeAt: deadline });
  }

  async now(call: StepCall): Promise<number> {
    const journaled = this.#replay(call);
    if (journaled) return JSON.parse(journaled.output!) as number;
    this.#stopIfMigrating();
    const now = Date.now();
    await this.#append(call, now, 1, { status: 'completed', output: now }, null);
    return now;
  }

  /** Waits for effects still running (a sibling in a `Promise.all` may outlive the suspension). */
  async settle(): Promise<void> {
    await this.#inFlight.settle();
  }

  #replay(call: StepCall): JournalRow | undefined {
    const row = this.#journal.get(call.position);
    if (row) {
      assertSameStep(call.position, row.step_id, call.stepId);
      this.#gate.settled(row.execution);
      // An execution asks each position once: a replayed row is not kept for the rest of a long run.
      this.#journal.delete(call.position);
    }
    return row;
  }

  /**
   * The wait's journaled deadline (created on its first execution, or carried over by an import),
   * checked to belong to this step; a migration request stops the run here, in the wait.
   */
  #deadline(call: StepCall, fresh: number | null, now: number): number | null {
    const pending = this.#store.ensureDeadline(this.runId, this.#workerId, call.position, call.stepId, fresh, now);
    assertSameStep(call.position, pending.stepId, call.stepId);
    if (this.#store.migrationRequestedTo(this.runId) !== undefined) throw migrationStop({ call, deadline: pending.deadline });
    return pending.deadline;
  }

  #stopIfMigrating(): void {
    if (this.#store.migrationRequestedTo(this.runId) !== undefined) throw migrationStop();
  }

  #deadLetter(call: StepCall, error: SerializedError): ExecutionInterrupt {
    return new ExecutionInterrupt('dead-letter', { error: deserializeError(error), stepId: call.stepId });
  }

  async #append(
    call: StepCall & { input?: unknown },
    startedAt: number,
    attempts: number,
    outcome: { status: 'completed' | 'failed'; output?: unknown; error?: SerializedError; compensable?: boolean },
    input: unknown = call.input,
  ): Promise<JournalRow> {
    const row = this.#row(call, input, startedAt, attempts, outcome);
    await this.#store.append(this.#workerId, row);
    this.#gate.settled(this.execution);
    return row;
  }

  #row(
    call: StepCall,
    input: unknown,
    startedAt: number,
    attempts: number,
    outcome: { status: 'completed' | 'failed'; output?: unknown; error?: SerializedError; compensable?: boolean },
  ): JournalRow {
    return {
      run_id: this.runId,
      position: call.position,
      step_id: call.stepId,
      ...spelledBy(call.stepId, call.kind, call.name),
      // The digest of the stored input, derived on read (see JournalRow): digest(JSON.parse(JSON.stringify(x))) is digest(x).
      input_digest: '',
      input: input === undefined ? null : JSON.stringify(input),
      status: outcome.status,
      output: outcome.output === undefined ? null : JSON.stringify(outcome.output),
      error: outcome.error === undefined ? null : JSON.stringify(outcome.error),
      attempts,
      started_at: startedAt,
      completed_at: Date.now(),
      execution: this.execution,
      compensable: outcome.compensable ? 1 : 0,
    };
  }
}

