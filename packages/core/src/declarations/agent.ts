import type { z } from 'zod';
import type { AgentContext } from '../context/agent-context.ts';
import type { RetryPolicyInput } from './retry-policy.ts';
import type { ToolDeclaration } from './step.ts';
import { assertName } from './names.ts';
import { ConfigError } from '../errors/errors.ts';
import { budgetLimitsSchema, type BudgetLimits } from '../llm/budget.ts';
import type { RouteSpec } from '../llm/route.ts';
import { parseModelId } from '../model/model-id.ts';

/**
 * An agent: a name, input and output schemas, the tools it may use, and `run` — orchestration
 * only, over values it gets from `ctx`. The module that declares it must stay free of provider
 * SDKs and Node built-ins, so it bundles into a Temporal workflow unchanged.
 *
 * @example
 * export const triage = defineAgent({
 *   name: 'triage',
 *   input: z.object({ ticket: z.string() }),
 *   output: z.object({ label: z.string() }),
 *   async run(ctx, { ticket }) {
 *     const answer = await ctx.llm.complete({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: ticket }] });
 *     return { label: answer.text };
 *   },
 * });
 */
/** `I` is what `run` gets (defaults applied), `In` what callers pass to `start`. */
export interface AgentDeclaration<I = any, O = any, In = I> {
  readonly name: string;
  readonly input: z.ZodType<I, In>;
  readonly output: z.ZodType<O>;
  readonly tools: readonly ToolDeclaration[];
  /** Default retry policy for this agent's steps, tools and completions. */
  readonly retry?: RetryPolicyInput;
  /** Token and cost limits for each run of this agent. */
  readonly budget?: BudgetLimits;
  /** The models it completes with, if declared (see `AgentOptions.models`). */
  readonly models?: readonly (string | RouteSpec)[];
  run(ctx: AgentContext, input: I): Promise<O>;
}

export interface AgentOptions<I, O, In> {
  name: string;
  input: z.ZodType<I, In>;
  output: z.ZodType<O>;
  tools?: readonly ToolDeclaration[];
  retry?: RetryPolicyInput;
  budget?: BudgetLimits;
  /**
   * The models (`provider:model` ids, or routes) the agent completes with. Optional, since a
   * completion names its model when it is made; declared, they let `createWorker` refuse a worker
   * that has no provider for one of them, instead of a run dead-lettering when it first asks.
   */
  models?: readonly (string | RouteSpec)[];
  run(ctx: AgentContext, input: I): Promise<O>;
}

export function defineAgent<I, O, In = I>(options: AgentOptions<I, O, In>): AgentDeclaration<I, O, In> {
  assertName('agent', options.name);
  const tools = options.tools ?? [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new ConfigError(`Agent "${options.name}" declares tool "${tool.name}" twice`, { tool: tool.name });
    seen.add(tool.name);
  }
  const budget = options.budget === undefined ? undefined : budgetLimitsSchema.parse(options.budget);
  for (const model of options.models ?? []) if (typeof model === 'string') parseModelId(model);
  return Object.freeze({ ...options, tools, ...(budget ? { budget } : {}) });
}
