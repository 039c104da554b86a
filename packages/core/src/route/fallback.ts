import { BudgetExceededError, ContextWindowExceededError, isProviderError, type ProviderError } from '../errors/errors.ts';
import type { RatchetError } from '../errors/ratchet-error.ts';
import type { RoutePolicy } from '../llm/route.ts';
import { ModelSkipped } from './model-skipped.ts';
import type { RouteAttemptLog } from './route-attempt-log.ts';
import type { RouteModel } from './route-model.ts';
import { withRouteAttempts } from './with-route-attempts.ts';

export interface FallbackOptions {
  /** The route's name: the fallback's own id, and named in a budget refusal. */
  name: string;
  stepId: string;
  onContentPolicy: RoutePolicy['onContentPolicy'];
  /** Where the skips go, beside the calls `recordAttempts` puts there; errors carry its attempts. */
  log: RouteAttemptLog;
  /** What to throw when no model was even tried for a reason of its own: none had a provider. */
  noModel: () => RatchetError;
}

/**
 * The models in turn until one answers: itself a model, the route. A skipped model is recorded
 * and passed; a model that failed (after its own retries) is passed too, unless the error is
 * terminal for the route: auth and bad-request (no other model would fare better), and
 * content-policy when `onContentPolicy` is `fail`. When no model answers it throws, in this order:
 * the last model's error, the last budget refusal (`BudgetExceededError`), the context windows
 * nothing fit (`ContextWindowExceededError`), or `noModel()`; each but the last carries the attempts.
 */
export function fallback(models: readonly RouteModel[], options: FallbackOptions): RouteModel {
  const { log } = options;
  return {
    id: options.name,
    async doComplete(request, callOptions) {
      let lastError: ProviderError | undefined;
      let budgetRefusal: string | undefined;
      let estimatedTokens = 0;
      const windows: Record<string, number> = {};
      for (const model of models) {
        try {
          return await model.doComplete(request, callOptions);
        } catch (error) {
          if (error instanceof ModelSkipped) {
            const { skip } = error;
            log.record({ model: model.id, outcome: 'skipped', reason: skip.reason, latencyMs: 0 });
            if (skip.reason === 'budget') budgetRefusal = skip.refusal;
            if (skip.reason === 'context-window') {
              windows[model.id] = skip.contextWindow;
              estimatedTokens = skip.estimatedTokens;
            }
            continue;
          }
          if (!isProviderError(error)) throw error;
          lastError = error;
          if (error.errorClass === 'auth' || error.errorClass === 'bad-request') throw withRouteAttempts(error, log.attempts);
          if (error.errorClass === 'content-policy' && options.onContentPolicy === 'fail') throw withRouteAttempts(error, log.attempts);
        }
      }
      if (lastError) throw withRouteAttempts(lastError, log.attempts);
      if (budgetRefusal) throw withRouteAttempts(new BudgetExceededError(options.stepId, budgetRefusal, `(route ${options.name})`), log.attempts);
      if (Object.keys(windows).length) throw withRouteAttempts(new ContextWindowExceededError(options.stepId, estimatedTokens, windows), log.attempts);
      throw options.noModel();
    },
  };
}
