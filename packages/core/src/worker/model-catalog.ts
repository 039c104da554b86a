import { estimateCost, getContextWindow } from 'tokenlens';
import { parseModelId } from '../model/model-id.ts';
import type { Usage } from '../model/completion.ts';

/** What Ratchet needs to know of a model: its window and its prices (USD per million tokens). */
export interface ModelFacts {
  contextWindow?: number;
  inputUsdPerMillion?: number;
  outputUsdPerMillion?: number;
}

/**
 * Context windows and prices: the user's table first, then tokenlens' bundled catalog. Looked up by
 * `provider:model`; a model neither knows is treated as unlimited and unpriced.
 */
export class ModelCatalog {
  readonly #overrides: Record<string, ModelFacts>;
  readonly #cache = new Map<string, ModelFacts>();

  constructor(overrides: Record<string, ModelFacts> = {}) {
    for (const id of Object.keys(overrides)) parseModelId(id);
    this.#overrides = overrides;
  }

  facts(modelId: string): ModelFacts {
    let facts = this.#cache.get(modelId);
    if (!facts) {
      facts = { ...bundled(modelId), ...this.#overrides[modelId] };
      this.#cache.set(modelId, facts);
    }
    return facts;
  }

  cost(modelId: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'>): number | undefined {
    const { inputUsdPerMillion, outputUsdPerMillion } = this.facts(modelId);
    if (inputUsdPerMillion === undefined || outputUsdPerMillion === undefined) return undefined;
    return (usage.inputTokens * inputUsdPerMillion + usage.outputTokens * outputUsdPerMillion) / 1_000_000;
  }
}

function bundled(modelId: string): ModelFacts {
  try {
    const window = getContextWindow(modelId);
    const prices = estimateCost({ modelId, usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } });
    const facts: ModelFacts = {};
    const size = window.combinedMax ?? window.totalMax ?? window.inputMax;
    if (size !== undefined) facts.contextWindow = size;
    if (prices.inputUSD !== undefined) facts.inputUsdPerMillion = prices.inputUSD;
    if (prices.outputUSD !== undefined) facts.outputUsdPerMillion = prices.outputUSD;
    return facts;
  } catch {
    return {};
  }
}
