import type { Driver, DriverWorkerOptions, EffectRunner } from '@ratchet/core';
import { RestateClient } from './client.ts';
import { RestateApi } from './server-api.ts';
import { RestateWorker } from './worker.ts';
import { resolveRestateOptions, type RestateDriverOptions } from './options.ts';

export { restateDriverOptionsSchema, type RestateDriverOptions, type ResolvedRestateOptions } from './options.ts';

/**
 * The Restate driver: each agent is a Restate workflow keyed by run id; steps, tools, completions
 * and `now` are named `ctx.run` entries, signals are durable promises, sleeps are `ctx.sleep`. The
 * journal is read back from the server's SQL introspection API.
 *
 * @example
 * const driver = restateDriver({ ingressUrl: 'http://127.0.0.1:8080', adminUrl: 'http://127.0.0.1:9070' });
 */
export function restateDriver(options: RestateDriverOptions = {}): Driver {
  const config = resolveRestateOptions(options);
  const api = () => new RestateApi({ ingressUrl: config.ingressUrl, adminUrl: config.adminUrl, headers: config.headers });
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'restate',
    // The server decides how many invocations it sends (`worker.invoker.concurrent-invocations-limit`).
    capabilities: { maxPayloadBytes: config.maxPayloadBytes, workerConcurrency: 'engine' },
    ...(config.codec ? { codec: config.codec } : {}),
    ...(config.offload ? { offload: config.offload } : {}),
    async connectClient() {
      return new RestateClient(api(), config);
    },
    async createWorker(executor: EffectRunner, workerOptions: DriverWorkerOptions = {}) {
      return new RestateWorker(api(), executor, config, workerOptions);
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'restate'`. */
export const createDriver = restateDriver;
