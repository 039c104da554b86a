import { retryDelayMs } from '../declarations/retry-policy.ts';
import { isProviderError } from '../errors/errors.ts';
import type { RoutePolicy } from '../llm/route.ts';
import { abortableDelay } from '../util/abortable-delay.ts';
import type { ProviderMiddleware } from './provider-middleware.ts';

/**
 * Retries a model in the worker, per error class: a retryable `ProviderError` (rate-limited,
 * overloaded, timeout, unknown) is tried again up to `policy.retries[errorClass]` times, after an
 * exponential backoff that never comes before the provider's `retry-after`. It gives up (rethrows
 * the last error, for the route to fall through) when the retries run out or `retry-after` asks
 * for more than `maxRetryAfterMs`. Terminal errors pass at once; an abort ends the wait.
 */
export function retryPerErrorClass(policy: RoutePolicy): ProviderMiddleware {
  const backoff = { initialIntervalMs: policy.initialBackoffMs, backoffCoefficient: 2, maxIntervalMs: policy.maxBackoffMs };
  return {
    async wrapComplete({ doComplete, options }) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await doComplete();
        } catch (error) {
          if (!isProviderError(error) || !error.retryable) throw error;
          const waitMs = retryDelayMs(backoff, attempt, error.retryAfterMs);
          const retries = policy.retries[error.errorClass as keyof RoutePolicy['retries']] ?? 0;
          if (attempt > retries || waitMs > policy.maxRetryAfterMs) throw error;
          await abortableDelay(waitMs, options.signal);
        }
      }
    },
  };
}
