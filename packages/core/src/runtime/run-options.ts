import { z } from 'zod';
import { budgetLimitsSchema } from '../llm/budget.ts';

/**
 * What a caller may set for one run at start, over the agent's defaults. Drivers keep it with the
 * run and hand it back to `executeAgent` on every execution.
 */
export const runOptionsSchema = z.strictObject({
  /** Overrides the agent's budget limits, limit by limit. */
  budget: budgetLimitsSchema.optional(),
});

export type RunOptions = z.output<typeof runOptionsSchema>;
