import type { Completion, ModelRequest } from '../model/completion.ts';
import { parseModelId } from '../model/model-id.ts';
import type { ModelCallOptions, ModelProvider } from '../model/model-provider.ts';
import { ModelSkipped } from './model-skipped.ts';
import { wrapProvider, type ProviderMiddleware } from './provider-middleware.ts';

/**
 * A model as a route sees it: a provider bound to one of its models, so the request carries no
 * model name. `fallback` takes a list of these and is one itself.
 */
export interface RouteModel {
  /** `provider:model`, or the route's name for a fallback. */
  readonly id: string;
  doComplete(request: Omit<ModelRequest, 'model'>, options: ModelCallOptions): Promise<Completion>;
}

/**
 * The model `modelId`, called through its provider from `providers` with `middleware` around it.
 * The provider is looked up when the model is tried; when none is registered the model is skipped
 * (`no-provider`), so a worker can serve routes that name providers it does not hold.
 */
export function bindModel(
  modelId: string,
  providers: ReadonlyMap<string, ModelProvider>,
  middleware: readonly ProviderMiddleware[],
): RouteModel {
  return {
    id: modelId,
    async doComplete(request, options) {
      const { provider: providerId, model } = parseModelId(modelId);
      const provider = providers.get(providerId);
      if (!provider) throw new ModelSkipped({ reason: 'no-provider' });
      return wrapProvider(provider, middleware).doComplete({ ...request, model }, options);
    },
  };
}
