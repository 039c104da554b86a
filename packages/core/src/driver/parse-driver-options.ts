import type { z } from 'zod';
import { ConfigError } from '../errors/errors.ts';

/**
 * Checks a driver's options against the driver's own schema, the same way for every driver: the
 * first problem named (an unknown option, or the option and what is wrong with it) with the list of
 * valid options.
 *
 * @example
 * const config = parseDriverOptions('local', localDriverOptionsSchema, options);
 */
export function parseDriverOptions<S extends z.ZodObject>(driver: string, schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const valid = Object.keys(schema.shape);
  const issue = parsed.error.issues[0]!;
  const what = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.join(', ')}` : `${issue.path.join('.') || 'options'}: ${issue.message}`;
  throw new ConfigError(`Invalid ${driver} driver options: ${what}. Valid options: ${valid.join(', ')}`, { driver, valid });
}
