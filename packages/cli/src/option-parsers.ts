import { InvalidArgumentError } from 'commander';

/** A commander option parser: a bad value is a usage error (exit 2) naming the value. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a positive whole number.`);
  return number;
}
