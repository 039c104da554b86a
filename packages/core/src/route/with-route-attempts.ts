import type { RatchetError } from '../errors/ratchet-error.ts';
import type { RouteAttempt } from '../model/completion.ts';

/**
 * A copy of `error` whose `data` also holds the route's attempts, so a failed completion's journal
 * entry shows what was tried. The error that was caught is left as it was: a provider, a retry or a
 * test may still hold it. The copy keeps the class, message, stack and cause.
 */
export function withRouteAttempts<E extends RatchetError>(error: E, attempts: readonly RouteAttempt[]): E {
  const copy = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error)) as E;
  (copy as { data: Record<string, unknown> }).data = { ...error.data, routeAttempts: [...attempts] };
  // V8's `stack` accessor reads the original's internal slot, which the copy lacks: keep the text.
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}
