import type { EffectContext } from '../worker/implementation.ts';

/**
 * The idempotency key of a side effect: `{runId}:{stepId}`, the same on every retry, every replay
 * and every worker, so the outside world can apply the effect once.
 */
export function idempotencyKey(runId: string, stepId: string): string {
  return `${runId}:${stepId}`;
}

/** What an implementation receives besides its input, built the same way by every driver. */
export function effectContext(call: { runId: string; stepId: string; attempt: number; signal: AbortSignal }): EffectContext {
  return { runId: call.runId, stepId: call.stepId, idempotencyKey: idempotencyKey(call.runId, call.stepId), attempt: call.attempt, signal: call.signal };
}
