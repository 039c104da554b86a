import { z } from 'zod';
import { codecOptionSchema, offloadOptionSchema } from '@ratchet/core';

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
  /** Seals every payload a run journals (see `aesGcmCodec`): a `PayloadCodec`, or `{ current, keys }`. */
  codec: codecOptionSchema.optional(),
  /** Payloads larger than `thresholdBytes` go to a payload store, the journal keeps a reference (claim check): `{ store, thresholdBytes }`, `store` a `PayloadStore` or `{ dir }`. */
  offload: offloadOptionSchema.optional(),
});

export type InngestDriverOptions = z.input<typeof inngestDriverOptionsSchema>;

/** The options after parsing, defaults filled in. */
export type ResolvedInngestOptions = z.output<typeof inngestDriverOptionsSchema>;
