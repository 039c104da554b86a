import { isProviderError } from '../errors/errors.ts';
import type { RouteAttempt } from '../model/completion.ts';
import { formatModelId } from '../model/model-id.ts';
import type { ProviderMiddleware } from './provider-middleware.ts';

/**
 * Every model tried for one completion, in order, each call and each skip: what the journal shows,
 * on the answer or on the error the route ends with.
 */
export class RouteAttemptLog {
  readonly #attempts: RouteAttempt[] = [];

  record(attempt: RouteAttempt): void {
    this.#attempts.push(attempt);
  }

  get attempts(): RouteAttempt[] {
    return [...this.#attempts];
  }
}

/**
 * Records each call that reaches the provider: answered, or failed with its error class, and how
 * long it took. Innermost on a route, so every retry is a record of its own. An error that is not a
 * `ProviderError` (a bug, an abort) is no attempt of the model and is not recorded.
 */
export function recordAttempts(log: RouteAttemptLog): ProviderMiddleware {
  return {
    async wrapComplete({ doComplete, request, provider }) {
      const model = formatModelId(provider.id, request.model);
      const started = Date.now();
      try {
        const completion = await doComplete();
        log.record({ model, outcome: 'answered', latencyMs: Date.now() - started });
        return completion;
      } catch (error) {
        if (isProviderError(error)) log.record({ model, outcome: 'failed', errorClass: error.errorClass, latencyMs: Date.now() - started });
        throw error;
      }
    },
  };
}
