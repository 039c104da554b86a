import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { codecOptionSchema, offloadOptionSchema } from '@ratchet/core';

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
  /**
   * How long a client waits for the server before `EngineRequestError` names its address (the SDK's
   * own default is 10 s). A worker's connection fails at once when nothing listens.
   */
  connectTimeoutMs: z.number().positive().default(5_000),
  /** An API key (Temporal Cloud); implies TLS. */
  apiKey: z.string().min(1).optional(),
  /** Longest one attempt of a step, tool or completion may run. Production default 10 min. */
  activityStartToCloseTimeoutMs: z.number().positive().default(600_000),
  /** A killed worker's attempt is retried after this long without a heartbeat. Production default 30 s; tests ~1 s. */
  activityHeartbeatTimeoutMs: z.number().positive().default(30_000),
  /** A killed worker's cached runs move to another worker after this long. SDK default 10 s; tests ~1 s. */
  stickyQueueScheduleToStartTimeoutMs: z.number().positive().default(10_000),
  /**
   * Open runs a worker keeps in memory between their workflow tasks (the SDK's sticky workflow
   * cache; a run that ends leaves it at once, an evicted run replays its history at its next task).
   * Each open Ratchet run holds about 1 MiB of the workflow thread's heap (its own instances of
   * zod, core and the agent modules) plus its journal. Default: the SDK's, sized from the heap
   * limit (`(heap limit - 200 MiB) × 600 / 1024 MiB`, at least 10: 2,310 with a 4 GiB heap).
   * 0 turns the cache off.
   */
  maxCachedWorkflows: z
    .int()
    .nonnegative()
    .refine((size) => size !== 1, 'maxCachedWorkflows is 0 (no cache) or at least 2')
    .optional(),
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
  /** Seals every payload a run journals (see `aesGcmCodec`), as Temporal's PayloadCodec: a `PayloadCodec`, or `{ current, keys }`. */
  codec: codecOptionSchema.optional(),
  /** Payloads larger than `thresholdBytes` go to a payload store, the journal keeps a reference (claim check): `{ store, thresholdBytes }`, `store` a `PayloadStore` or `{ dir }`. */
  offload: offloadOptionSchema.optional(),
});

export type TemporalDriverOptions = z.input<typeof temporalDriverOptionsSchema>;

/** The options after parsing, defaults filled in. */
export type ResolvedTemporalOptions = z.output<typeof temporalDriverOptionsSchema>;
