import { z } from 'zod';
import { assertName } from '../declarations/names.ts';
import { ConfigError } from '../errors/errors.ts';
import { parseModelId } from '../model/model-id.ts';

/**
 * What a route does per error class. Retries happen in the worker, with backoff that honours
 * `retry-after`, then the route falls through to the next model. Auth and bad-request errors are
 * terminal and never fall through; context-too-long moves on to a model with a larger window.
 */
export const routePolicySchema = z.strictObject({
  retries: z
    .strictObject({
      'rate-limited': z.int().min(0).default(2),
      overloaded: z.int().min(0).default(2),
      timeout: z.int().min(0).default(1),
      unknown: z.int().min(0).default(1),
    })
    .prefault({}),
  initialBackoffMs: z.number().min(0).default(250),
  maxBackoffMs: z.number().min(0).default(5_000),
  /** A `retry-after` longer than this falls through at once instead of holding the worker. */
  maxRetryAfterMs: z.number().min(0).default(10_000),
  /** `fallback` tries the next model on a content-policy refusal; `fail` ends the call. */
  onContentPolicy: z.enum(['fail', 'fallback']).default('fail'),
  /** A model that failed `failures` times within `windowMs` is skipped for `windowMs` (per worker). */
  cooldown: z.strictObject({ failures: z.int().min(1).default(3), windowMs: z.number().min(0).default(30_000) }).prefault({}),
});

export type RoutePolicy = z.output<typeof routePolicySchema>;

/**
 * A route as plain data: what is journaled and sent to the worker.
 *
 * Route retries and durable attempts multiply. The completion is one durable step with the agent's
 * `retry` policy, and each durable attempt runs the whole route: a model's n-th failure is retried
 * in the worker while n ≤ `policy.retries[errorClass]`, then the route moves on. When the route's
 * last failure is retryable, the step fails retryably and the engine runs the route again from its
 * first model, up to `maxAttempts` times in all (never before `retry-after`), then dead-letters the
 * run; any other end is terminal and never retried. So one model is called at most
 * `maxAttempts × (1 + retries[errorClass])` times per completion (5 × 3 for rate limits by default).
 */
export interface RouteSpec {
  name: string;
  models: string[];
  policy: RoutePolicy;
}

/**
 * An ordered list of models, across providers, tried in turn. A route is a model-like value: pass
 * it wherever a model id goes. Every attempt (model, error class, latency) and the model that
 * answered are journaled; a replay returns the journaled answer and calls nobody.
 *
 * See `RouteSpec` for how the route's retries and the step's durable attempts multiply.
 *
 * @example
 * export const smart = defineRoute({
 *   name: 'smart',
 *   models: ['openai:gpt-4o', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini'],
 *   policy: { retries: { 'rate-limited': 1 } },
 * });
 */
export function defineRoute(options: { name: string; models: string[]; policy?: z.input<typeof routePolicySchema> }): RouteSpec {
  assertName('route', options.name);
  for (const model of options.models) parseModelId(model);
  if (options.models.length === 0) throw new ConfigError(`Route "${options.name}" lists no models`, { route: options.name });
  return Object.freeze({ name: options.name, models: [...options.models], policy: routePolicySchema.parse(options.policy ?? {}) });
}

/** A single model id is a route of one, with no in-worker retries: the step's durable retry policy applies. */
export function singleModelRoute(modelId: string): RouteSpec {
  parseModelId(modelId);
  return {
    name: modelId,
    models: [modelId],
    policy: routePolicySchema.parse({ retries: { 'rate-limited': 0, overloaded: 0, timeout: 0, unknown: 0 } }),
  };
}
