import { Context } from '@temporalio/activity';
import type { EffectExecutor } from '@ratchet/core/worker';
import { effectActivityName, type EffectRequest, type EffectResponse } from './contract.ts';
import { toTemporalFailure } from './errors.ts';
import { assertPayloadSize } from './payload-limit.ts';

/**
 * The worker's one activity. It runs the effect through core's `EffectExecutor` (so an effect means
 * the same on every engine) with the idempotency key `{runId}:{stepId}`, which stays the same on
 * every Temporal retry and after a crash. It heartbeats while the effect runs, so a killed worker's
 * attempt times out after the heartbeat timeout rather than the (long) start-to-close timeout, and
 * the retry counts as the next attempt.
 */
export function createEffectActivities(executor: EffectExecutor): Record<typeof effectActivityName, (request: EffectRequest) => Promise<EffectResponse>> {
  return {
    async [effectActivityName](request: EffectRequest): Promise<EffectResponse> {
      const context = Context.current();
      const { attempt, heartbeatTimeoutMs } = context.info;
      const beat = heartbeatTimeoutMs ? setInterval(() => context.heartbeat(), Math.max(50, heartbeatTimeoutMs / 3)) : undefined;
      try {
        const result = await executor.execute(request.target, request.input, {
          runId: request.runId,
          stepId: request.stepId,
          idempotencyKey: `${request.runId}:${request.stepId}`,
          attempt,
          signal: context.cancellationSignal,
        });
        assertPayloadSize('output', request.stepId, result);
        return result;
      } catch (error) {
        throw toTemporalFailure(error, request.retry, attempt);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
