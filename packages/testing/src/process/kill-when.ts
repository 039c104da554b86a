import type { WorkerProcess } from './worker-process.ts';

/**
 * Subscribes to an event source and SIGKILLs the worker the moment `predicate` holds: the signal
 * is sent synchronously inside the listener, before the event source does anything else (for
 * the world service's 'effect' event: after the effect is applied, before the worker hears back).
 * `count` is 1 for the first value seen. Unsubscribes on the first hit, then resolves with that
 * value once the worker is gone. Pass a function to kill whichever worker is current at that
 * moment (for example after a restart). Rejects if `predicate` or the worker function throws; waits indefinitely
 * otherwise, so rely on the test's timeout.
 *
 * @example
 * // Crash the worker right after the second model response, before it can journal it.
 * await killWhen((l) => models.on('response', l), (_, n) => n === 2, worker);
 */
export function killWhen<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  predicate: (value: T, count: number) => boolean,
  worker: WorkerProcess | (() => WorkerProcess),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let count = 0;
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    const listener = (value: T): void => {
      if (settled) return;
      count += 1;
      try {
        if (!predicate(value, count)) return;
        settled = true;
        const target = typeof worker === 'function' ? worker() : worker;
        target.kill('SIGKILL').then(() => resolve(value), reject);
      } catch (error) {
        settled = true;
        reject(error);
      }
      unsubscribe?.();
    };
    unsubscribe = subscribe(listener);
    // The source may have called the listener during subscribe, before unsubscribe existed.
    if (settled) unsubscribe();
  });
}
