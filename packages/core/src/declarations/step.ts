import type { z } from 'zod';
import type { RetryPolicyInput } from './retry-policy.ts';
import { assertName } from './names.ts';

/**
 * A named side effect, declared apart from its implementation. Declarations are plain data (a name
 * and zod schemas), safe to import into a Temporal workflow bundle; the code that does the work is
 * registered on the worker with `implement`.
 *
 * @example
 * export const fetchPage = defineStep({
 *   name: 'fetch_page',
 *   input: z.object({ url: z.url() }),
 *   output: z.object({ html: z.string() }),
 * });
 */
/** `I` is what the implementation gets (defaults applied), `In` what the agent passes. */
export interface StepDeclaration<I = any, O = any, In = I> {
  readonly type: 'step' | 'tool';
  readonly name: string;
  readonly input: z.ZodType<I, In>;
  readonly output: z.ZodType<O>;
  readonly retry?: RetryPolicyInput;
}

/** A step a model can be offered: it also has a description. */
export interface ToolDeclaration<I = any, O = any, In = I> extends StepDeclaration<I, O, In> {
  readonly type: 'tool';
  readonly description: string;
}

export interface StepOptions<I, O, In> {
  name: string;
  input: z.ZodType<I, In>;
  output: z.ZodType<O>;
  retry?: RetryPolicyInput;
}

export function defineStep<I, O, In = I>(options: StepOptions<I, O, In>): StepDeclaration<I, O, In> {
  assertName('step', options.name);
  return Object.freeze({ type: 'step' as const, ...options });
}

export function defineTool<I, O, In = I>(options: StepOptions<I, O, In> & { description: string }): ToolDeclaration<I, O, In> {
  assertName('tool', options.name);
  return Object.freeze({ type: 'tool' as const, ...options });
}
