import { z } from 'zod';
import { codecOptionSchema, offloadOptionSchema } from '@ratchet/core';

export const localDriverOptionsSchema = z.strictObject({
  /** The SQLite file every client and worker of this deployment shares. */
  path: z.string().min(1).default('.ratchet/runs.db'),
  /** A dead worker's runs are taken over after this long. Production default 30 s; tests use ~1 s. */
  leaseMs: z.number().positive().default(30_000),
  /** How often idle workers and waiting clients poll the database. */
  pollIntervalMs: z.number().positive().default(200),
  synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  /** Seals every payload a run journals (see `aesGcmCodec`): a `PayloadCodec`, or `{ current, keys }`. */
  codec: codecOptionSchema.optional(),
  /** Payloads larger than `thresholdBytes` go to a payload store, the journal keeps a reference (claim check): `{ store, thresholdBytes }`, `store` a `PayloadStore` or `{ dir }`. */
  offload: offloadOptionSchema.optional(),
});

export type LocalDriverOptions = z.input<typeof localDriverOptionsSchema>;

/** The options after parsing, defaults filled in. */
export type ResolvedLocalOptions = z.output<typeof localDriverOptionsSchema>;
