import { resolve } from 'node:path';

/**
 * Wakes the idle workers of one database file in this process when a client changed what they may
 * claim (a start, a signal, a redrive, a migration request), so they need not wait for their next
 * poll. SQLite has no notifications across processes: workers elsewhere find it at their next poll.
 */
const listeners = new Map<string, Set<() => void>>();

/** Calls `listener` on each change to the runs in `path`; returns the unsubscribe. */
export function onRunsChanged(path: string, listener: () => void): () => void {
  const key = resolve(path);
  const set = listeners.get(key) ?? new Set();
  listeners.set(key, set.add(listener));
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(key);
  };
}

export function runsChanged(path: string): void {
  for (const listener of listeners.get(resolve(path)) ?? []) listener();
}
