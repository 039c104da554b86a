import type { z } from 'zod';
import type { ValidationIssue } from '../errors/errors.ts';

/** Parses `value` with `schema`, turning zod's issues into Ratchet's flat ones for a typed error. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, toError: (issues: ValidationIssue[]) => Error): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw toError(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}
