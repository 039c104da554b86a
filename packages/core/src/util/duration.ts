import ms from 'ms';
import { ConfigError } from '../errors/errors.ts';

/** A duration as milliseconds or as text such as `'500ms'`, `'30s'`, `'2h'`. */
export type Duration = number | string;

export function toMilliseconds(duration: Duration, what = 'duration'): number {
  const value = typeof duration === 'number' ? duration : ms(duration as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`Invalid ${what} ${JSON.stringify(duration)}: use milliseconds or text like "500ms", "30s", "2h"`, {
      duration,
    });
  }
  return value;
}
