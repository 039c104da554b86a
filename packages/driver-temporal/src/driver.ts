import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseDriverOptions, type Driver, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import { Client, Connection } from '@temporalio/client';
import { TemporalClient } from './client.ts';
import { connectTo } from './connect.ts';
import { maxPayloadBytes } from './payload-limit.ts';
import { createTemporalWorker } from './worker.ts';

const pem = z.string().min(1);

export const temporalDriverOptionsSchema = z.strictObject({
  /** The frontend's gRPC address: a dev server, a self-hosted cluster, or `<ns>.<acct>.tmprl.cloud:7233`. */
  address: z.string().min(1).default('127.0.0.1:7233'),
  namespace: z.string().min(1).default('default'),
  /** Workers poll it; clients start runs on it. One per set of agents that deploy together. */
  taskQueue: z.string().min(1).default('ratchet'),
  /** Paths of the modules exporting the worker's agents; they are bundled into the workflow unchanged. */
  agentModules: z.array(z.string().min(1)).default([]),
  /** TLS for the connection: `true` for system roots, or PEM strings (mTLS). */
  tls: z
    .union([
      z.boolean(),
      z.strictObject({ serverNameOverride: z.string().optional(), serverRootCACertificate: pem.optional(), clientCertPair: z.strictObject({ crt: pem, key: pem }).optional() }),
    ])
    .optional(),
  /** An API key (Temporal Cloud); implies TLS. */
  apiKey: z.string().min(1).optional(),
  /** Longest one attempt of a step, tool or completion may run. Production default 10 min. */
  activityStartToCloseTimeoutMs: z.number().positive().default(600_000),
  /** A killed worker's attempt is retried after this long without a heartbeat. Production default 30 s; tests ~1 s. */
  activityHeartbeatTimeoutMs: z.number().positive().default(30_000),
  /** A killed worker's cached runs move to another worker after this long. SDK default 10 s; tests ~1 s. */
  stickyQueueScheduleToStartTimeoutMs: z.number().positive().default(10_000),
  /**
   * A run continues as new at the first step boundary after its own history passes this many
   * events (Temporal warns at 10,240 and fails at 51,200). Default 4,096, where Temporal suggests it.
   */
  continueAsNewAfterEvents: z.int().positive().default(4_096),
  /** ... or this many bytes (Temporal warns at 10 MB and fails at 50 MB). Default 4 MB, where Temporal suggests it. */
  continueAsNewAfterBytes: z.int().positive().default(4 * 1024 * 1024),
  /** How often `result()` asks the server for the run's state. */
  pollIntervalMs: z.number().positive().default(200),
  /** The Temporal SDK's log level, when this driver installs the SDK runtime (it leaves one the app installed alone). */
  logLevel: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** Where built workflow bundles are cached (by content), or false to bundle at every worker start. */
  bundleCacheDir: z.union([z.string().min(1), z.literal(false)]).default(join(homedir(), '.cache', 'ratchet', 'temporal', 'bundles')),
});

export type TemporalDriverOptions = z.input<typeof temporalDriverOptionsSchema>;

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
  return {
    specificationVersion: 'ratchet.driver.v1',
    name: 'temporal',
    capabilities: { maxPayloadBytes, workerConcurrency: 'effects' },
    async connectClient() {
      const client = new Client({ connection: await connectTo(config.address, () => Connection.connect(connection)), namespace: config.namespace });
      return new TemporalClient(client, { taskQueue: config.taskQueue, pollIntervalMs: config.pollIntervalMs });
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
        },
        stickyQueueScheduleToStartTimeoutMs: config.stickyQueueScheduleToStartTimeoutMs,
        concurrency: workerOptions.concurrency ?? 100,
        logLevel: config.logLevel,
      });
    },
  };
}

/** The factory `createDriverFromConfig` calls for `driver: 'temporal'`. */
export const createDriver = temporalDriver;

function toTlsConfig(tls: NonNullable<z.output<typeof temporalDriverOptionsSchema>['tls']>) {
  if (typeof tls === 'boolean') return tls;
  return {
    ...(tls.serverNameOverride === undefined ? {} : { serverNameOverride: tls.serverNameOverride }),
    ...(tls.serverRootCACertificate === undefined ? {} : { serverRootCACertificate: Buffer.from(tls.serverRootCACertificate) }),
    ...(tls.clientCertPair === undefined ? {} : { clientCertPair: { crt: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } }),
  };
}
