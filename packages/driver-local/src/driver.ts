import { parseDriverOptions, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { LocalClient } from './client.ts';
import { openDatabase } from './database.ts';
import { RunStore } from './run-store.ts';
import { LocalWorker } from './worker.ts';
import { localDriverOptionsSchema, type LocalDriverOptions } from './options.ts';

export { localDriverOptionsSchema, type LocalDriverOptions, type ResolvedLocalOptions } from './options.ts';

/**
 * The embedded driver: a SQLite journal (Node's built-in `node:sqlite`, WAL) shared by any number
 * of worker processes, with leases, durable timers, persisted signals, retries and dead-lettering.
 *
 * @example
 * const driver = localDriver({ path: '.ratchet/runs.db' });
 */
export function localDriver(options: LocalDriverOptions = {}): Driver {
  const config = parseDriverOptions('local', localDriverOptionsSchema, options);
  const open = () => {
    const db = openDatabase(config.path, { synchronous: config.synchronous });
    return { db, store: new RunStore(db) };
  };
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'local',
    capabilities: { workerConcurrency: 'runs' },
    ...(config.codec ? { codec: config.codec } : {}),
    ...(config.offload ? { offload: config.offload } : {}),
    async connectClient() {
      const { db, store } = open();
      return new LocalClient(store, { path: config.path, pollIntervalMs: Math.min(config.pollIntervalMs, 50), onClose: () => db.close() });
    },
    async createWorker(executor: EffectRunner, workerOptions: DriverWorkerOptions = {}) {
      const { db, store } = open();
      const worker = new LocalWorker(store, executor, {
        path: config.path,
        leaseMs: config.leaseMs,
        pollIntervalMs: config.pollIntervalMs,
        concurrency: workerOptions.concurrency ?? 16,
        onError: (error) => console.error('[ratchet local worker]', error),
      });
      let stopped: Promise<void> | undefined;
      return {
        start: () => worker.start(),
        stop: () =>
          (stopped ??= worker.stop().then(() => db.close())),
      };
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'local'`. */
export const createDriver = localDriver;
