// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import {
  type DurableHost,
  type EffectCall,
  type EffectResult,
  type RetryPolicy,
  type SerializedError,
  type SignalOutcome,
  type StepCall,
  deserializeError,
  digest,
  migrationStop,
  serializeError,
  WorkerCrashError,
} from '@ratchet/core';
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  upsertMemo,
  type RetryPolicy as TemporalRetryPolicy,
} from '@temporalio/workflow';
import {
  effectActivityName,
  memoKeys,
  type DeadLetterMemo,
  type EffectRequest,
  type EffectResponse,
  type RecordedEntry,
  type WorkflowSettings,
} from './protocol.ts';
import type { HistoryLimit } from './history-limit.ts';
import type { MigrationRequest } from './migration-request.ts';
import { assertPayloadSize } from './payload-limit.ts';
import type { SignalInbox } from './signals.ts';

type EffectActivities = Record<typeof effectActivityName, (request: EffectRequest) => Promise<EffectResponse>>;

/**
 * The durable primitives over Temporal, for the one execution of the agent's code that a workflow
 * is. Temporal's own replay answers what history holds, so this host keeps no journal of its own:
 *
 * - `effect` schedules the `ratchetEffect` activity with `activityId = stepId`, so a replay that asks
 *   for a different step at the same point is a Temporal nondeterminism error (which the worker
 *   turns into a failed workflow, read back as a dead-lettered run with `NonDeterminismError`).
 *   Retries are Temporal's, by the step's policy. When they run out (crashed attempts included) the
 *   run parks here, inside the step, until `redrive` signals it; then the step starts over.
 * - `sleep` is a workflow timer; `waitForSignal` waits on signals buffered since the run started;
 *   `now` is the sandbox's deterministic clock. Each records its journal entry as a memo upsert.
 * - Every step goes through the run's `MigrationRequest`, then its `HistoryLimit`: a run asked to
 *   migrate stops before a step that would run, inside a sleep or signal wait (woken by the
 *   request; the interrupt carries the wait's deadline), in a retry backoff (the activity is
 *   cancelled) or parked after its retries ran out; a run whose history has grown enough stops at
 *   a step boundary to continue as new.
 */
export class TemporalHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  /** Temporal replays invisibly, so the agent's code runs once per workflow run. */
  readonly execution = 1;

  readonly #inbox: SignalInbox;
  readonly #settings: WorkflowSettings;
  readonly #redrives: () => number;
  readonly #limit: HistoryLimit;
  readonly #migration: MigrationRequest;

  constructor(
    run: { runId: string; agent: string; seed: string },
    deps: { inbox: SignalInbox; settings: WorkflowSettings; redrives: () => number; limit: HistoryLimit; migration: MigrationRequest },
  ) {
    this.runId = run.runId;
    this.agent = run.agent;
    this.seed = run.seed;
    this.#inbox = deps.inbox;
    this.#settings = deps.settings;
    this.#redrives = deps.redrives;
    this.#limit = deps.limit;
    this.#migration = deps.migration;
  }

  effect(call: EffectCall): Promise<EffectResult> {
    return this.#step(() => this.#effect(call));
  }

  sleep(call: StepCall & { durationMs: number }): Promise<void> {
    return this.#step(async () => {
      const startedAt = Date.now();
      // A timer (named after the step) raced with the migration request: true if the request came
      // first. At least 1 ms, as `sleep` has it: `condition` with 0 would wait without a timer.
      if (await condition(() => this.#migration.requested, Math.max(1, call.durationMs), { summary: call.stepId })) {
        throw migrationStop({ call, deadline: startedAt + call.durationMs });
      }
      const firedAt = Date.now();
      record(call, { durationMs: call.durationMs }, { output: { firedAt } }, startedAt);
    });
  }

  waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    return this.#step(async () => {
      const startedAt = Date.now();
      const arrived = () => this.#inbox.has(call.signal);
      const woken = () => arrived() || this.#migration.requested;
      const timedOut = call.timeoutMs === undefined ? (await condition(woken), false) : !(await condition(woken, call.timeoutMs));
      // A signal that arrived with the request is consumed: the step completes, the next one stops.
      if (!arrived() && !timedOut) {
        throw migrationStop({ call, deadline: call.timeoutMs === undefined ? undefined : startedAt + call.timeoutMs });
      }
      const outcome: SignalOutcome = arrived() ? { received: true, payload: this.#inbox.take(call.signal) } : { received: false };
      record(call, { signal: call.signal, timeoutMs: call.timeoutMs ?? null }, { output: outcome }, startedAt);
      return outcome;
    });
  }

  now(call: StepCall): Promise<number> {
    return this.#step(async () => {
      const now = Date.now();
      record(call, null, { output: now }, now);
      return now;
    });
  }

  /** The migration request comes first: a run asked to stop does not continue as new before it stops. */
  #step<T>(run: () => Promise<T>): Promise<T> {
    return this.#migration.step(() => this.#limit.step(run));
  }

  async #effect(call: EffectCall): Promise<EffectResult> {
    try {
      if (!this.#settings.offloadsPayloads) assertPayloadSize('input', call.stepId, call.input);
    } catch (error) {
      // Journaled like any failed step, so the journal has no hole where the agent caught it.
      record(call, undefined, { error: serializeError(error), inputDigest: digest(call.input ?? null) }, Date.now());
      throw error;
    }
    const request: EffectRequest = {
      runId: this.runId,
      position: call.position,
      stepId: call.stepId,
      kind: call.kind,
      name: call.name,
      target: call.target,
      input: call.input,
      retry: call.retry,
    };
    for (let round = 0; ; round++) {
      const activities = proxyActivities<EffectActivities>({
        // After a redrive the step is a new activity; the id still starts with the step id.
        activityId: round === 0 ? call.stepId : `${call.stepId}~${round}`,
        startToCloseTimeout: this.#settings.activityStartToCloseTimeoutMs,
        heartbeatTimeout: this.#settings.activityHeartbeatTimeoutMs,
        retry: toTemporalRetryPolicy(call.retry),
        // A migration request cancels the activity; a running attempt's outcome still comes back.
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      try {
        return await this.#migration.cancelOnRequest(() => activities[effectActivityName](request));
      } catch (error) {
        // A cancellation the migration request did not make (the workflow itself was cancelled) ends the step as before.
        if (!(error instanceof ActivityFailure) || (isCancellation(error) && !this.#migration.requested)) throw error;
        const failure = fromActivityFailure(error, call.stepId);
        if (failure.terminal) throw deserializeError(failure.error);
        await this.#parkUntilRedriven({ stepId: call.stepId, error: failure.error });
      }
    }
  }

  /**
   * Parks the run inside the step until `redrive` signals it. A migration request is a safe point
   * here too (the step has no entry; the engine the run moves to starts it afresh): it stops the
   * run instead of parking it, or wakes a parked one and stops it.
   */
  async #parkUntilRedriven(deadLetter: DeadLetterMemo): Promise<void> {
    if (!this.#migration.requested) {
      const seen = this.#redrives();
      upsertMemo({ [memoKeys.deadLetter]: deadLetter });
      await condition(() => this.#redrives() > seen || this.#migration.requested);
      upsertMemo({ [memoKeys.deadLetter]: null });
    }
    if (this.#migration.requested) throw migrationStop();
  }
}

/** Ratchet's policy as Temporal's; Temporal rejects a zero initial interval and a max below it. */
export function toTemporalRetryPolicy(policy: RetryPolicy): TemporalRetryPolicy {
  const initialInterval = Math.max(1, policy.initialIntervalMs);
  return {
    maximumAttempts: policy.maxAttempts,
    initialInterval,
    backoffCoefficient: policy.backoffCoefficient,
    maximumInterval: Math.max(initialInterval, policy.maxIntervalMs),
  };
}

/**
 * What a failed activity means for the run: `terminal` when the effect threw a non-retryable error
 * (journaled, thrown into the agent), otherwise its retries ran out and the run dead-letters.
 */
function fromActivityFailure(error: ActivityFailure, stepId: string): { terminal: boolean; error: SerializedError } {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    const serialized = cause.details?.[0] as SerializedError | undefined;
    if (serialized?.kind !== undefined) return { terminal: cause.nonRetryable === true, error: serialized };
    // A failure the SDK raised itself (for example an unregistered activity): retried, then parked.
    return { terminal: false, error: { name: cause.type ?? 'ApplicationFailure', kind: 'application', message: cause.message, retryable: true } };
  }
  if (cause instanceof TimeoutFailure) {
    const message = `The attempts of "${stepId}" ended with their worker gone before an outcome was recorded (${cause.timeoutType} timeout)`;
    return { terminal: false, error: serializeError(new WorkerCrashError(message)) };
  }
  return { terminal: false, error: { name: cause?.name ?? 'Error', kind: 'application', message: cause?.message ?? error.message, retryable: true } };
}

function record(
  call: StepCall,
  input: unknown,
  outcome: { output: unknown } | { error: SerializedError; inputDigest: string },
  startedAt: number,
): void {
  const entry: RecordedEntry = {
    position: call.position,
    stepId: call.stepId,
    kind: call.kind,
    name: call.name,
    input,
    ...outcome,
    startedAt,
    completedAt: Date.now(),
  };
  upsertMemo({ [memoKeys.entry]: entry });
}
