import { z } from 'zod';
import type { BudgetUsage } from '../errors/errors.ts';

/** Limits per run. Any left out is unlimited. */
export const budgetLimitsSchema = z.strictObject({
  maxInputTokens: z.int().positive().optional(),
  maxOutputTokens: z.int().positive().optional(),
  maxTotalTokens: z.int().positive().optional(),
  maxCostUsd: z.number().positive().optional(),
});

export type BudgetLimits = z.output<typeof budgetLimitsSchema>;

/** What is left of each limit; `undefined` means unlimited. Sent with each completion to the worker. */
export interface BudgetRemaining {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  costUsd?: number;
}

/** `ctx.budget`: the limits, what the run's journaled completions used, and what is left. */
export interface BudgetView {
  readonly limits: BudgetLimits;
  readonly used: BudgetUsage;
  readonly remaining: BudgetRemaining;
}

export const emptyUsage = (): BudgetUsage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 });

export function remainingBudget(limits: BudgetLimits, used: BudgetUsage): BudgetRemaining {
  const left = (limit: number | undefined, spent: number) => (limit === undefined ? undefined : Math.max(0, limit - spent));
  const remaining: BudgetRemaining = {};
  const input = left(limits.maxInputTokens, used.inputTokens);
  const output = left(limits.maxOutputTokens, used.outputTokens);
  const total = left(limits.maxTotalTokens, used.totalTokens);
  const cost = left(limits.maxCostUsd, used.costUsd);
  if (input !== undefined) remaining.inputTokens = input;
  if (output !== undefined) remaining.outputTokens = output;
  if (total !== undefined) remaining.totalTokens = total;
  if (cost !== undefined) remaining.costUsd = cost;
  return remaining;
}
