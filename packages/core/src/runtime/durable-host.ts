import type { RetryPolicy } from '../declarations/retry-policy.ts';
import type { StepKind } from '../journal/journal-entry.ts';

/**
 * The durable primitives a driver supplies for one execution of one run. Everything LLM-aware and
 * every `ctx` method is built on these in core, which is what makes behaviour identical everywhere.
 *
 * Each call carries its `position` (the order the agent asked) and `stepId`. A host that finds a
 * different `stepId` journaled at a position throws `NonDeterminismError` (see `assertSameStep`).
 * To stop the execution (wait, back off, dead-letter) a host throws an `ExecutionInterrupt`.
 */
export interface DurableHost {
  readonly runId: string;
  readonly agent: string;
  /** Seeds `ctx.random()` / `ctx.uuid()`; fixed when the run starts. */
  readonly seed: string;
  /** 1-based count of executions of this run. */
  readonly execution: number;

  /** Runs a registered effect once (retrying by `retry`) and journals its result. */
  effect(call: EffectCall): Promise<EffectResult>;
  sleep(call: StepCall & { durationMs: number }): Promise<void>;
  waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome>;
  now(call: StepCall): Promise<number>;
}

export interface StepCall {
  position: number;
  stepId: string;
  kind: StepKind;
  name: string;
}

/** What the worker executes for an effect. */
export type EffectTarget =
  | { type: 'step' | 'tool'; name: string }
  | { type: 'llm' }
  | { type: 'prompt' }
  | { type: 'compensation'; of: { type: 'step' | 'tool'; name: string } };

export interface EffectCall extends StepCall {
  target: EffectTarget;
  input: unknown;
  retry: RetryPolicy;
}

export interface EffectResult {
  output: unknown;
  /** Whether the worker has a compensation registered for it; journaled with the result. */
  compensable: boolean;
}

export type SignalOutcome = { received: true; payload: unknown } | { received: false };

/** Input of a compensation effect: the original step's input and output. */
export interface CompensationInput {
  stepId: string;
  input: unknown;
  output: unknown;
}
