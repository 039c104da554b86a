import type { BudgetRemaining } from '../llm/budget.ts';
import type { ModelRequest } from '../model/completion.ts';
import { formatModelId } from '../model/model-id.ts';
import type { ModelCatalog } from '../worker/model-catalog.ts';
import { ModelSkipped } from './model-skipped.ts';
import type { PromptTokenEstimate } from './prompt-token-estimate.ts';
import type { ProviderMiddleware } from './provider-middleware.ts';

/**
 * Fits each request to what is left of the run's budget: the output tokens are capped so the call
 * cannot exceed it, and a model that cannot take even the prompt is skipped. This is how a route
 * steps down: a cheaper model later on the route may still fit.
 */
export function fitBudget(budget: BudgetRemaining, catalog: ModelCatalog, estimate: PromptTokenEstimate): ProviderMiddleware {
  return {
    transformRequest({ request, provider }) {
      const fitted = fitRequestToBudget(request, estimate(provider, request), budget, catalog, formatModelId(provider.id, request.model));
      if ('refusal' in fitted) throw new ModelSkipped({ reason: 'budget', refusal: fitted.refusal });
      return fitted.request;
    },
  };
}

/**
 * The request with `maxOutputTokens` lowered to the tightest of its own cap, the output, total and
 * cost budgets, or the reason it cannot be sent (the limit that the prompt alone breaks).
 */
export function fitRequestToBudget(
  request: ModelRequest,
  inputTokens: number,
  budget: BudgetRemaining,
  catalog: ModelCatalog,
  modelId: string,
): { request: ModelRequest } | { refusal: string } {
  if (budget.inputTokens !== undefined && inputTokens > budget.inputTokens) return { refusal: `maxInputTokens: about ${inputTokens} input tokens, ${budget.inputTokens} left` };
  if (budget.totalTokens !== undefined && inputTokens >= budget.totalTokens) return { refusal: `maxTotalTokens: about ${inputTokens} input tokens, ${budget.totalTokens} left` };
  const caps = [request.maxOutputTokens, budget.outputTokens, budget.totalTokens === undefined ? undefined : budget.totalTokens - inputTokens];
  if (budget.costUsd !== undefined) {
    const facts = catalog.facts(modelId);
    const inputCost = catalog.cost(modelId, { inputTokens, outputTokens: 0 });
    if (inputCost !== undefined && inputCost > budget.costUsd) return { refusal: `maxCostUsd: the prompt alone costs about $${inputCost.toFixed(6)}, $${budget.costUsd.toFixed(6)} left` };
    if (inputCost !== undefined && facts.outputUsdPerMillion) caps.push(Math.floor(((budget.costUsd - inputCost) * 1_000_000) / facts.outputUsdPerMillion));
  }
  const limits = caps.filter((cap): cap is number => cap !== undefined);
  if (limits.length === 0) return { request };
  const maxOutputTokens = Math.min(...limits);
  if (maxOutputTokens < 1) return { refusal: `no output tokens left (${JSON.stringify(budget)})` };
  return { request: { ...request, maxOutputTokens } };
}
