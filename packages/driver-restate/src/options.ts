import { z } from 'zod';
import { codecOptionSchema, offloadOptionSchema, parseDriverOptions, toMilliseconds } from '@ratchet/core';

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
   * The request identity keys (`publickeyv1_…`) of the Restate servers whose requests the endpoint
   * takes: set in production, so that nothing but your server can run a step by calling the
   * endpoint. restate-server signs its requests with `request-identity-private-key-pem-file`;
   * `requestIdentityPublicKey(pem)` gives its public key (the server also logs it at start). Without
   * it, the endpoint answers anyone who reaches it (dev mode). Public keys: nothing secret here.
   */
  identityKeys: z.array(z.string().regex(/^publickeyv1_[1-9A-HJ-NP-Za-km-z]+$/, 'a Restate request identity public key, publickeyv1_…')).min(1).optional(),
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
  /** Seals every payload a run journals (see `aesGcmCodec`): a `PayloadCodec`, or `{ current, keys }`. */
  codec: codecOptionSchema.optional(),
  /** Payloads larger than `thresholdBytes` go to a payload store, the journal keeps a reference (claim check): `{ store, thresholdBytes }`, `store` a `PayloadStore` or `{ dir }`. */
  offload: offloadOptionSchema.optional(),
});

export type RestateDriverOptions = z.input<typeof restateDriverOptionsSchema>;
export type ResolvedRestateOptions = z.output<typeof restateDriverOptionsSchema>;

/** The driver's options checked, with the durations validated (they are sent to Restate as they are). */
export function resolveRestateOptions(options: unknown): ResolvedRestateOptions {
  const parsed = parseDriverOptions('restate', restateDriverOptionsSchema, options);
  for (const key of ['retention', 'inactivityTimeout', 'abortTimeout'] as const) {
    const value = parsed[key];
    if (value !== undefined) toMilliseconds(value, `restate driver option ${key}`);
  }
  return parsed;
}
