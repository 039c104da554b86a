import { MissingImplementationError } from '../errors/errors.ts';
import type { BudgetRemaining } from '../llm/budget.ts';
import type { RouteSpec } from '../llm/route.ts';
import type { Completion, ModelRequest } from '../model/completion.ts';
import type { ModelProvider } from '../model/model-provider.ts';
import { checkContextWindow } from '../route/check-context-window.ts';
import { fallback } from '../route/fallback.ts';
import { fitBudget } from '../route/fit-budget.ts';
import { promptTokenEstimate } from '../route/prompt-token-estimate.ts';
import { retryPerErrorClass } from '../route/retry-per-error-class.ts';
import { recordAttempts, RouteAttemptLog } from '../route/route-attempt-log.ts';
import { bindModel } from '../route/route-model.ts';
import { skipCoolingModels } from '../route/skip-cooling-models.ts';
import type { ModelCatalog } from './model-catalog.ts';
import type { ModelCooldown } from './model-cooldown.ts';

/** The input of an `llm` effect as `ctx.llm.complete` journals it. */
export interface CompletionEffectInput {
  /** The model id or route name the agent asked for. */
  requested: string;
  route: RouteSpec;
  request: Omit<ModelRequest, 'model'>;
  budget?: BudgetRemaining;
  prompt?: { name: string; version: string };
  stream?: boolean;
}

export interface RouteDependencies {
  providers: ReadonlyMap<string, ModelProvider>;
  catalog: ModelCatalog;
  cooldown: ModelCooldown;
  stepId: string;
  idempotencyKey: string;
  signal: AbortSignal;
  onToken?: (delta: string) => void;
}

/**
 * Runs one completion along its route: the route's pieces folded over each model's provider
 * (outermost first: cooldown, context window, budget, retry per error class, attempt records),
 * and `fallback` over the models. The answer carries every attempt and its cost, so the journal
 * shows them; what is journaled is final, so a replay never routes again.
 */
export async function completeOnRoute(input: CompletionEffectInput, deps: RouteDependencies): Promise<Completion> {
  const { route, budget } = input;
  const { policy } = route;
  const log = new RouteAttemptLog();
  const estimate = promptTokenEstimate();
  const models = route.models.map((modelId, index) =>
    bindModel(modelId, deps.providers, [
      skipCoolingModels(deps.cooldown, policy.cooldown, { maySkip: index < route.models.length - 1 }),
      checkContextWindow(deps.catalog, estimate),
      ...(budget ? [fitBudget(budget, deps.catalog, estimate)] : []),
      retryPerErrorClass(policy),
      recordAttempts(log),
    ]),
  );
  const answer = await fallback(models, {
    name: route.name,
    stepId: deps.stepId,
    onContentPolicy: policy.onContentPolicy,
    log,
    noModel: () => new MissingImplementationError(`a model provider for ${route.models.join(', ')}`, [...deps.providers.keys()]),
  }).doComplete(input.request, {
    signal: deps.signal,
    idempotencyKey: deps.idempotencyKey,
    ...(input.stream && deps.onToken ? { onToken: deps.onToken } : {}),
  });
  const routeAttempts = log.attempts;
  // The last attempt is the one that answered: prices are by the route's model id, not the reported model.
  const costUsd = deps.catalog.cost(routeAttempts.at(-1)!.model, answer.usage);
  return {
    ...answer,
    routeAttempts,
    ...(costUsd === undefined ? {} : { costUsd }),
    ...(input.prompt ? { prompt: input.prompt } : {}),
  };
}
