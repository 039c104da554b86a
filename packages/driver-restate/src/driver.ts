import { z } from 'zod';
import { parseDriverOptions, toMilliseconds, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { RestateClient } from './client.ts';
import { RestateApi } from './restate-api.ts';
import { RestateWorker } from './worker.ts';

const duration = z.union([z.number().min(0), z.string().min(1)]);

export const restateDriverOptionsSchema = z.strictObject({
  /** The Restate server's ingress, where runs start and signals go. */
  ingressUrl: z.url().default('http://127.0.0.1:8080'),
  /** The Restate server's admin API: deployments, the SQL introspection API, resume. */
  adminUrl: z.url().default('http://127.0.0.1:9070'),
  /** Extra headers on every ingress and admin request (for example `authorization` on Restate Cloud). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Prefix of the Restate service names: agent `order` is the workflow `ratchet.order`. */
  servicePrefix: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]*$/).default('ratchet.'),
  /** Where a worker's service endpoint listens. Workers of one deployment share the port (SO_REUSEPORT). */
  endpointHost: z.string().min(1).default('127.0.0.1'),
  endpointPort: z.int().min(0).max(65_535).default(9080),
  /** The URL Restate calls the endpoint at (a load balancer's, in production); default `http://{host}:{port}`. */
  endpointUrl: z.url().optional(),
  /** Register the endpoint with the admin API when a worker starts (`force`, so new code takes effect). */
  register: z.boolean().default(true),
  /**
   * Largest journaled payload, in bytes. Must not exceed the server's `worker.invoker.message-size-limit`
   * (32 MiB by default); Ratchet refuses bigger payloads with `PayloadTooLargeError` before Restate sees them.
   */
  maxPayloadBytes: z.int().positive().default(32 * 1024 * 1024),
  /** How long Restate keeps a finished run's journal and state (server default: 1 day). */
  retention: duration.optional(),
  /** Restate asks a silent invocation to suspend after this (server default: 1 minute). */
  inactivityTimeout: duration.optional(),
  /** ...and aborts it this long after that (server default: 10 minutes). A step must finish within both. */
  abortTimeout: duration.optional(),
  /** How often `result()` polls the run's state. */
  pollIntervalMs: z.number().positive().default(200),
});

export type RestateDriverOptions = z.input<typeof restateDriverOptionsSchema>;
export type ResolvedRestateOptions = z.output<typeof restateDriverOptionsSchema>;

/**
 * The Restate driver: each agent is a Restate workflow keyed by run id; steps, tools, completions
 * and `now` are named `ctx.run` entries, signals are durable promises, sleeps are `ctx.sleep`. The
 * journal is read back from the server's SQL introspection API.
 *
 * @example
 * const driver = restateDriver({ ingressUrl: 'http://127.0.0.1:8080', adminUrl: 'http://127.0.0.1:9070' });
 */
export function restateDriver(options: RestateDriverOptions = {}): Driver {
  const config = parseOptions(options);
  const api = () => new RestateApi({ ingressUrl: config.ingressUrl, adminUrl: config.adminUrl, headers: config.headers });
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'restate',
    // The server decides how many invocations it sends (`worker.invoker.concurrent-invocations-limit`).
    capabilities: { maxPayloadBytes: config.maxPayloadBytes, workerConcurrency: 'engine' },
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

function parseOptions(options: unknown): ResolvedRestateOptions {
  const parsed = parseDriverOptions('restate', restateDriverOptionsSchema, options);
  for (const key of ['retention', 'inactivityTimeout', 'abortTimeout'] as const) {
    const value = parsed[key];
    if (value !== undefined) toMilliseconds(value, `restate driver option ${key}`);
  }
  return parsed;
}
