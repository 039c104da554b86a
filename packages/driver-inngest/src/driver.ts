import { Inngest } from 'inngest';
import { ConfigError, parseDriverOptions, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { InngestClient } from './client.ts';
import { ServerApi } from './server-api.ts';
import { InngestWorker } from './worker.ts';
import { inngestDriverOptionsSchema, type InngestDriverOptions } from './options.ts';

export { inngestDriverOptionsSchema, type InngestDriverOptions, type ResolvedInngestOptions } from './options.ts';

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
    ...(config.codec ? { codec: config.codec } : {}),
    ...(config.offload ? { offload: config.offload } : {}),
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
        limits: { maxStepOutputBytes: config.maxStepOutputBytes, maxRunStateBytes: config.maxRunStateBytes, maxSteps: config.maxSteps, maxEventBytes: config.maxEventBytes },
        recheckMs: config.recheckMs,
        recheckMaxMs: config.recheckMaxMs,
      });
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'inngest'`. */
export const createDriver = inngestDriver;
