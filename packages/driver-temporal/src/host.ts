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
  serializeError,
} from '@ratchet/core';
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  proxyActivities,
  sleep,
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
} from './contract.ts';
import type { HistoryLimit } from './history-limit.ts';
import { assertPayloadSize } from './payload-limit.ts';
import type { SignalInbox } from './signal-inbox.ts';

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
 * - Every step goes through the run's `HistoryLimit`, which stops the run at a step boundary when
 *   its history has grown enough to continue as new.
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

  constructor(
    run: { runId: string; agent: string; seed: string },
    deps: { inbox: SignalInbox; settings: WorkflowSettings; redrives: () => number; limit: HistoryLimit },
  ) {
    this.runId = run.runId;
    this.agent = run.agent;
    this.seed = run.seed;
    this.#inbox = deps.inbox;
    this.#settings = deps.settings;
    this.#redrives = deps.redrives;
    this.#limit = deps.limit;
  }

  effect(call: EffectCall): Promise<EffectResult> {
    return this.#limit.step(() => this.#effect(call));
  }

  sleep(call: StepCall & { durationMs: number }): Promise<void> {
    return this.#limit.step(async () => {
      const startedAt = Date.now();
      await sleep(call.durationMs, { summary: call.stepId });
      const firedAt = Date.now();
      record(call, { durationMs: call.durationMs }, { output: { firedAt } }, startedAt);
    });
  }

  waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    return this.#limit.step(async () => {
      const startedAt = Date.now();
      const arrived = () => this.#inbox.has(call.signal);
      const received = call.timeoutMs === undefined ? (await condition(arrived), true) : await condition(arrived, call.timeoutMs);
      const outcome: SignalOutcome = received ? { received: true, payload: this.#inbox.take(call.signal) } : { received: false };
      record(call, { signal: call.signal, timeoutMs: call.timeoutMs ?? null }, { output: outcome }, startedAt);
      return outcome;
    });
  }

  now(call: StepCall): Promise<number> {
    return this.#limit.step(async () => {
      const now = Date.now();
      record(call, null, { output: now }, now);
      return now;
    });
  }

  async #effect(call: EffectCall): Promise<EffectResult> {
    try {
      assertPayloadSize('input', call.stepId, call.input);
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
      });
      try {
        return await activities[effectActivityName](request);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        const failure = fromActivityFailure(error, call.stepId);
        if (failure.terminal) throw deserializeError(failure.error);
        await this.#parkUntilRedriven({ stepId: call.stepId, error: failure.error });
      }
    }
  }

  async #parkUntilRedriven(deadLetter: DeadLetterMemo): Promise<void> {
    const seen = this.#redrives();
    upsertMemo({ [memoKeys.deadLetter]: deadLetter });
    await condition(() => this.#redrives() > seen);
    upsertMemo({ [memoKeys.deadLetter]: null });
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
    return {
      terminal: false,
      error: {
        name: 'WorkerCrashError',
        kind: 'worker-crash',
        message: `The attempts of "${stepId}" ended with their worker gone before an outcome was recorded (${cause.timeoutType} timeout)`,
        retryable: true,
      },
    };
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
