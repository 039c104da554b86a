import type { ModelRequest } from '../model/completion.ts';
import { formatModelId } from '../model/model-id.ts';
import type { ModelProvider } from '../model/model-provider.ts';
import { estimatePromptTokens } from '../worker/estimate-tokens.ts';

/** About how many prompt tokens `request` is for the model `provider` will send it to. */
export type PromptTokenEstimate = (provider: ModelProvider, request: ModelRequest) => number;

/**
 * The provider's own `estimateTokens`, else the o200k_base fallback, counted once per model: the
 * window check and the budget both ask, and within one completion only the model changes.
 */
export function promptTokenEstimate(): PromptTokenEstimate {
  const counted = new Map<string, number>();
  return (provider, request) => {
    const key = formatModelId(provider.id, request.model);
    let tokens = counted.get(key);
    if (tokens === undefined) {
      tokens = provider.estimateTokens ? provider.estimateTokens(request) : estimatePromptTokens(request);
      counted.set(key, tokens);
    }
    return tokens;
  };
}
