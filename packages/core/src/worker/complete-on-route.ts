import { BudgetExceededError, ContextWindowExceededError, MissingImplementationError, ProviderError } from '../errors/errors.ts';
import { RatchetError } from '../errors/ratchet-error.ts';
import type { BudgetRemaining } from '../llm/budget.ts';
import type { RouteSpec } from '../llm/route.ts';
import type { Completion, ModelRequest, RouteAttempt } from '../model/completion.ts';
import { parseModelId } from '../model/model-id.ts';
import type { ModelProvider } from '../model/model-provider.ts';
import { estimatePromptTokens } from './estimate-tokens.ts';
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
 * Runs one completion along its route: each model in turn, skipping those whose window or the
 * budget cannot take the request, retrying per error class with backoff that honours
 * `retry-after`, and falling through. The answer carries every attempt, so the journal shows them;
 * what is journaled is final, so a replay never routes again.
 */
export async function completeOnRoute(input: CompletionEffectInput, deps: RouteDependencies): Promise<Completion> {
  const { route, budget } = input;
  const policy = route.policy;
  const attempts: RouteAttempt[] = [];
  const windows: Record<string, number> = {};
  let estimated = 0;
  let lastError: ProviderError | undefined;
  let budgetRefusal: string | undefined;

  for (const [index, modelId] of route.models.entries()) {
    const { provider: providerId, model } = parseModelId(modelId);
    const provider = deps.providers.get(providerId);
    const skip = (reason: RouteAttempt['reason']) => attempts.push({ model: modelId, outcome: 'skipped', reason, latencyMs: 0 });
    if (!provider) {
      skip('no-provider');
      continue;
    }
    const isLast = index === route.models.length - 1;
    if (!isLast && deps.cooldown.isCooling(modelId, policy.cooldown.failures, policy.cooldown.windowMs)) {
      skip('cooldown');
      continue;
    }
    const request: ModelRequest = { ...input.request, model };
    estimated = estimatePromptTokens(providerId, request);
    const facts = deps.catalog.facts(modelId);
    if (facts.contextWindow !== undefined && estimated + (request.maxOutputTokens ?? 0) > facts.contextWindow) {
      windows[modelId] = facts.contextWindow;
      skip('context-window');
      continue;
    }
    const fitted = budget ? fitBudget(request, estimated, budget, deps.catalog, modelId) : { request };
    if ('refusal' in fitted) {
      budgetRefusal = fitted.refusal;
      skip('budget');
      continue;
    }

    const retries = (errorClass: string) => policy.retries[errorClass as keyof RoutePolicyRetries] ?? 0;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        const completion = await provider.doComplete(fitted.request, {
          signal: deps.signal,
          idempotencyKey: deps.idempotencyKey,
          ...(input.stream && deps.onToken ? { onToken: deps.onToken } : {}),
        });
        // Anthropic refuses with a 200 and `stop_reason: refusal`, OpenAI with a 400: treat both alike.
        if (completion.finishReason === 'content-filter') {
          throw new ProviderError('content-policy', `${modelId} refused the request (content policy)`, { provider: providerId, model });
        }
        attempts.push({ model: modelId, outcome: 'answered', latencyMs: Date.now() - started });
        deps.cooldown.recordSuccess(modelId);
        const costUsd = deps.catalog.cost(modelId, completion.usage);
        return {
          ...completion,
          routeAttempts: attempts,
          ...(costUsd === undefined ? {} : { costUsd }),
          ...(input.prompt ? { prompt: input.prompt } : {}),
        };
      } catch (error) {
        if (!(RatchetError.isInstance(error) && error.kind === 'provider')) throw error;
        const failure = error as ProviderError;
        attempts.push({ model: modelId, outcome: 'failed', errorClass: failure.errorClass, latencyMs: Date.now() - started });
        lastError = failure;
        if (failure.errorClass === 'auth' || failure.errorClass === 'bad-request') throw withAttempts(failure, attempts);
        if (failure.errorClass === 'content-policy' && policy.onContentPolicy === 'fail') throw withAttempts(failure, attempts);
        if (!failure.retryable) break; // context-too-long, or a refusal the route may take elsewhere
        const waitMs = Math.max(Math.min(policy.initialBackoffMs * 2 ** (attempt - 1), policy.maxBackoffMs), failure.retryAfterMs ?? 0);
        if (attempt > retries(failure.errorClass) || waitMs > policy.maxRetryAfterMs) {
          deps.cooldown.recordFailure(modelId);
          break;
        }
        await abortableDelay(waitMs, deps.signal);
      }
    }
  }

  if (lastError) throw withAttempts(lastError, attempts);
  if (budgetRefusal) throw withAttempts(new BudgetExceededError(deps.stepId, budgetRefusal, `(route ${route.name})`), attempts);
  if (Object.keys(windows).length) throw withAttempts(new ContextWindowExceededError(deps.stepId, estimated, windows), attempts);
  throw new MissingImplementationError(`a model provider for ${route.models.join(', ')}`, [...deps.providers.keys()]);
}

type RoutePolicyRetries = RouteSpec['policy']['retries'];

/**
 * Caps the output tokens so the call cannot exceed what is left of the budget, or refuses it when
 * even the prompt does not fit. This is how a route steps down: a refused model is skipped and a
 * cheaper one later on the route may still fit.
 */
function fitBudget(
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

function withAttempts<E extends RatchetError>(error: E, attempts: RouteAttempt[]): E {
  (error.data as Record<string, unknown>).routeAttempts = [...attempts];
  return error;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
