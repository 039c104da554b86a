import { isProviderError } from '../errors/errors.ts';
import type { RoutePolicy } from '../llm/route.ts';
import { formatModelId } from '../model/model-id.ts';
import type { ModelCooldown } from '../worker/model-cooldown.ts';
import { ModelSkipped } from './model-skipped.ts';
import type { ProviderMiddleware } from './provider-middleware.ts';

/**
 * Skips a model that failed `policy.failures` times within `policy.windowMs` on this worker, unless
 * `maySkip` is false (the last model on a route is always tried: skipping it would leave nothing).
 * Sits outside the retry, so a failure counts once the retries gave up on a retryable error; a
 * terminal error says nothing about the model's health and is not counted. An answer clears it.
 */
export function skipCoolingModels(cooldown: ModelCooldown, policy: RoutePolicy['cooldown'], options: { maySkip: boolean }): ProviderMiddleware {
  return {
    async wrapComplete({ doComplete, request, provider }) {
      const model = formatModelId(provider.id, request.model);
      if (options.maySkip && cooldown.isCooling(model, policy.failures, policy.windowMs)) throw new ModelSkipped({ reason: 'cooldown' });
      try {
        const completion = await doComplete();
        cooldown.recordSuccess(model);
        return completion;
      } catch (error) {
        if (isProviderError(error) && error.retryable) cooldown.recordFailure(model);
        throw error;
      }
    },
  };
}
