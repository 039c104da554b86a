import { formatModelId } from '../model/model-id.ts';
import type { ModelCatalog } from '../worker/model-catalog.ts';
import { ModelSkipped } from './model-skipped.ts';
import type { PromptTokenEstimate } from './prompt-token-estimate.ts';
import type { ProviderMiddleware } from './provider-middleware.ts';

/**
 * Skips a model whose context window (from the catalog) cannot take the estimated prompt plus the
 * requested output, so a request that would fail with context-too-long is never sent. A model with
 * no known window is always tried.
 */
export function checkContextWindow(catalog: ModelCatalog, estimate: PromptTokenEstimate): ProviderMiddleware {
  return {
    async wrapComplete({ doComplete, request, provider }) {
      const estimatedTokens = estimate(provider, request);
      const { contextWindow } = catalog.facts(formatModelId(provider.id, request.model));
      if (contextWindow !== undefined && estimatedTokens + (request.maxOutputTokens ?? 0) > contextWindow) {
        throw new ModelSkipped({ reason: 'context-window', contextWindow, estimatedTokens });
      }
      return doComplete();
    },
  };
}
