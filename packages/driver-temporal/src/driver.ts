import { parseDriverOptions, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { Client, Connection } from '@temporalio/client';
import { TemporalClient } from './client.ts';
import { connectTo } from './connect.ts';
import { maxPayloadBytes } from './payload-limit.ts';
import { createTemporalWorker } from './worker.ts';
import { temporalPayloadCodec } from './payload-codec.ts';
import { temporalDriverOptionsSchema, type TemporalDriverOptions, type ResolvedTemporalOptions } from './options.ts';

export { temporalDriverOptionsSchema, type TemporalDriverOptions, type ResolvedTemporalOptions } from './options.ts';

/**
 * The Temporal driver: each run is a workflow (id = run id, type = agent name) executing core's
 * `executeAgent` in Temporal's workflow sandbox; every step, tool, completion and compensation is
 * the `ratchetEffect` activity; sleeps are timers, signals are signals, and the journal is read
 * back from workflow history.
 *
 * @example
 * const driver = temporalDriver({ address: 'localhost:7233', agentModules: ['./src/agents.ts'] });
 */
export function temporalDriver(options: TemporalDriverOptions = {}): Driver {
  const config = parseDriverOptions('temporal', temporalDriverOptionsSchema, options);
  const connection = {
    address: config.address,
    ...(config.tls === undefined ? {} : { tls: toTlsConfig(config.tls) }),
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
  };
  const payloads = { codec: config.codec, offload: config.offload };
  const encodes = config.codec !== undefined || config.offload !== undefined;
  const dataConverter = { payloadCodecs: [temporalPayloadCodec(payloads)] };
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'temporal',
    // Codec and offload apply at Temporal's own boundary (its PayloadCodec, outside the workflow sandbox).
    capabilities: { ...(config.offload ? {} : { maxPayloadBytes }), workerConcurrency: 'effects', encodesPayloads: true },
    ...(config.codec ? { codec: config.codec } : {}),
    ...(config.offload ? { offload: config.offload } : {}),
    async connectClient() {
      const connected = await connectTo(config.address, () => Connection.connect({ ...connection, connectTimeout: config.connectTimeoutMs }));
      const client = new Client({ connection: connected, namespace: config.namespace, dataConverter });
      return new TemporalClient(client, { taskQueue: config.taskQueue, pollIntervalMs: config.pollIntervalMs, offloads: config.offload !== undefined, ...(encodes ? { payloads } : {}) });
    },
    createWorker(executor: EffectRunner, workerOptions: DriverWorkerOptions = {}) {
      return createTemporalWorker(executor, {
        connection,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        agentModules: config.agentModules,
        bundleCacheDir: config.bundleCacheDir,
        settings: {
          activityStartToCloseTimeoutMs: config.activityStartToCloseTimeoutMs,
          activityHeartbeatTimeoutMs: config.activityHeartbeatTimeoutMs,
          continueAsNewAfterEvents: config.continueAsNewAfterEvents,
          continueAsNewAfterBytes: config.continueAsNewAfterBytes,
          offloadsPayloads: config.offload !== undefined,
        },
        stickyQueueScheduleToStartTimeoutMs: config.stickyQueueScheduleToStartTimeoutMs,
        maxCachedWorkflows: config.maxCachedWorkflows,
        concurrency: workerOptions.concurrency ?? 100,
        logLevel: config.logLevel,
        // A worker with neither codec nor offload leaves the SDK's converter alone (a codec takes the activation's
        // payloads through the main thread); a sealed payload then fails its workflow task with
        // "Unknown encoding: binary/ratchet-sealed", and Temporal retries it until a worker with the key comes.
        ...(encodes ? { dataConverter } : {}),
      });
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'temporal'`. */
export const createDriver = temporalDriver;

function toTlsConfig(tls: NonNullable<ResolvedTemporalOptions['tls']>) {
  if (typeof tls === 'boolean') return tls;
  return {
    ...(tls.serverNameOverride === undefined ? {} : { serverNameOverride: tls.serverNameOverride }),
    ...(tls.serverRootCACertificate === undefined ? {} : { serverRootCACertificate: Buffer.from(tls.serverRootCACertificate) }),
    ...(tls.clientCertPair === undefined ? {} : { clientCertPair: { crt: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } }),
  };
}
