import type { Completion, ModelRequest } from '../model/completion.ts';
import type { ModelCallOptions, ModelProvider } from '../model/model-provider.ts';

/**
 * One piece of a route, folded over a provider the way the AI SDK's `wrapLanguageModel` folds
 * middleware over a model: a plain object of optional functions, each piece one idea.
 * `transformRequest` changes the request on its way down (budget fitting); `wrapComplete` surrounds
 * the call below it and may refuse it with `ModelSkipped`, repeat it, or watch how it ends (window
 * check, cooldown, retry, attempt records). `provider` is always the unwrapped provider.
 */
export interface ProviderMiddleware {
  transformRequest?(args: { request: ModelRequest; provider: ModelProvider }): ModelRequest;
  wrapComplete?(args: {
    doComplete: () => Promise<Completion>;
    request: ModelRequest;
    options: ModelCallOptions;
    provider: ModelProvider;
  }): Promise<Completion>;
}

/**
 * `provider` with `middleware` around it, the first outermost: for `[a, b]` a call runs a's
 * transform, a's wrap, b's transform, b's wrap, then the provider. The result is a provider again,
 * with the same id and the same token estimate, so it goes wherever a provider goes.
 *
 * @example
 * const patient = wrapProvider(openai(), [retryPerErrorClass(route.policy)]);
 */
export function wrapProvider(provider: ModelProvider, middleware: readonly ProviderMiddleware[]): ModelProvider {
  const doComplete = middleware.reduceRight<ModelProvider['doComplete']>(
    (inner, layer) => async (request, options) => {
      const transformed = layer.transformRequest?.({ request, provider }) ?? request;
      const call = () => inner(transformed, options);
      return layer.wrapComplete ? layer.wrapComplete({ doComplete: call, request: transformed, options, provider }) : call();
    },
    (request, options) => provider.doComplete(request, options),
  );
  const estimateTokens = provider.estimateTokens?.bind(provider);
  return { specificationVersion: provider.specificationVersion, id: provider.id, doComplete, ...(estimateTokens ? { estimateTokens } : {}) };
}
