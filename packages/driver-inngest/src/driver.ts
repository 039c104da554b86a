import { z } from 'zod';
import { Inngest } from 'inngest';
import { ConfigError, parseDriverOptions, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { InngestClient } from './client.ts';
import { ServerApi } from './server-api.ts';
import { InngestWorker } from './worker.ts';

export const inngestDriverOptionsSchema = z.strictObject({
  /** The Inngest server: `inngest start`, the dev server, or Inngest Cloud. Default `INNGEST_BASE_URL`. */
  baseUrl: z.url().optional(),
  /** `signkey-<env>-<hex>`; verifies requests to the worker and authenticates API reads. Default `INNGEST_SIGNING_KEY`. */
  signingKey: z.string().min(1).optional(),
  /** Authenticates sent events. Default `INNGEST_EVENT_KEY`. */
  eventKey: z.string().min(1).optional(),
  /** The Inngest app id; also the prefix of Ratchet's event names, so deployments can share a server. */
  appId: z.string().regex(/^[a-z0-9-]+$/).default('ratchet'),
  /** Dev mode talks to `inngest dev` without keys; production and the tests use cloud mode (false). */
  isDev: z.boolean().default(false),
  /** Where the worker's serve handler listens. Port 0 picks a free one. */
  serveHost: z.string().default('127.0.0.1'),
  servePort: z.int().min(0).max(65_535).default(3000),
  servePath: z.string().startsWith('/').default('/api/inngest'),
  /**
   * Several worker processes on one host listen on the same port and the kernel spreads the server's
   * connections between them, as a load balancer would between hosts (Linux; `SO_REUSEPORT`).
   */
  reusePort: z.boolean().default(false),
  /** The URL the server calls when it differs from host:port (a proxy, a container). */
  serveUrl: z.url().optional(),
  /** How often `result()` polls the run's trace. */
  pollIntervalMs: z.number().positive().default(250),
  /**
   * A signal or redrive wait looks at the buffered events, then waits this long (doubling each time,
   * up to `recheckMaxMs`) before looking again, in case an event arrived between a look and the wait.
   */
  recheckMs: z.number().min(1_000).default(1_000),
  recheckMaxMs: z.number().min(1_000).default(6 * 60 * 60 * 1_000),
  /** The server's limits (Inngest's defaults); a step that would pass them fails with `PayloadTooLargeError` or `StepCountExceededError`. */
  maxStepOutputBytes: z.int().positive().default(4 * 1024 * 1024),
  maxRunStateBytes: z.int().positive().default(32 * 1024 * 1024),
  maxSteps: z.int().min(100).default(1_000),
  /**
   * The largest event the server accepts: a start event carries the run's input and any seeded
   * journal, and a start past it fails with `PayloadTooLargeError` before anything is sent. 3 MiB is the
   * self-hosted server's cap; Inngest Cloud's default is 512 KiB (plans differ).
   */
  maxEventBytes: z.int().positive().default(3 * 1024 * 1024),
});

export type InngestDriverOptions = z.input<typeof inngestDriverOptionsSchema>;

/**
 * The Inngest driver: each agent is an Inngest function started by an event named after the run id;
 * steps, tools and completions are `step.run`, signals and approvals buffered events awaited with
 * `step.waitForEvent`, sleeps a `step.waitForEvent` on the run's migration requests that times out at
 * the sleep's end. Workers serve the functions over HTTP (the SDK's signed serve handler); the client
 * reads results and journals from the server's run traces.
 *
 * @example
 * const driver = inngestDriver({ baseUrl: 'http://127.0.0.1:8288', signingKey, eventKey, servePort: 3000 });
 */
export function inngestDriver(options: InngestDriverOptions = {}): Driver {
  const config = parseDriverOptions('inngest', inngestDriverOptionsSchema, options);
  const valid = Object.keys(inngestDriverOptionsSchema.shape);
  const baseUrl = config.baseUrl ?? process.env.INNGEST_BASE_URL ?? (config.isDev ? 'http://127.0.0.1:8288' : undefined);
  const signingKey = config.signingKey ?? process.env.INNGEST_SIGNING_KEY;
  const eventKey = config.eventKey ?? process.env.INNGEST_EVENT_KEY;
  if (!baseUrl) throw new ConfigError('The inngest driver needs baseUrl (or INNGEST_BASE_URL): the Inngest server to talk to', { valid });
  if (!config.isDev && (!signingKey || !eventKey)) {
    throw new ConfigError(
      `The inngest driver in cloud mode needs ${!signingKey ? 'signingKey (or INNGEST_SIGNING_KEY)' : 'eventKey (or INNGEST_EVENT_KEY)'}; set isDev: true for the dev server`,
      { valid },
    );
  }
  const inngest = () =>
    new Inngest({ id: config.appId, baseUrl, isDev: config.isDev, ...(signingKey ? { signingKey } : {}), ...(eventKey ? { eventKey } : {}) });
  const api = new ServerApi({ baseUrl, ...(signingKey ? { signingKey } : {}) });
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'inngest',
    // The server decides how many requests it sends (per-function concurrency keys, on the server).
    capabilities: { maxPayloadBytes: config.maxStepOutputBytes, workerConcurrency: 'engine' },
    async connectClient() {
      return new InngestClient({ app: config.appId, inngest: inngest(), api, pollIntervalMs: config.pollIntervalMs, maxEventBytes: config.maxEventBytes });
    },
    async createWorker(executor: EffectRunner, _options: DriverWorkerOptions = {}) {
      return new InngestWorker(executor, {
        app: config.appId,
        client: inngest(),
        api,
        serveHost: config.serveHost,
        servePort: config.servePort,
        servePath: config.servePath,
        reusePort: config.reusePort,
        ...(config.serveUrl ? { serveUrl: config.serveUrl } : {}),
        limits: { maxStepOutputBytes: config.maxStepOutputBytes, maxRunStateBytes: config.maxRunStateBytes, maxSteps: config.maxSteps },
        recheckMs: config.recheckMs,
        recheckMaxMs: config.recheckMaxMs,
      });
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'inngest'`. */
export const createDriver = inngestDriver;
