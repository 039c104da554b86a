import { z } from 'zod';
import { aesGcmCodec, type AesGcmCodecOptions } from './aes-gcm-codec.ts';
import { isPayloadCodec, type PayloadCodec } from './payload-codec.ts';
import type { PayloadOffload } from './journal-payloads.ts';
import { filePayloadStore, type PayloadStore } from './payload-store.ts';

/**
 * The `codec` option every driver takes: a `PayloadCodec`, or the options of `aesGcmCodec` (plain
 * JSON, so a config file or a worker's environment can carry them).
 *
 * @example
 * codec: { current: 'k2', keys: { k1: process.env.RATCHET_KEY_K1!, k2: process.env.RATCHET_KEY_K2! } }
 */
export const codecOptionSchema = z
  .custom<PayloadCodec | AesGcmCodecOptions>((value) => typeof value === 'object' && value !== null, 'expected a PayloadCodec or aesGcmCodec options ({ current, keys })')
  .transform((value): PayloadCodec => (isPayloadCodec(value) ? value : aesGcmCodec(value)));

const isPayloadStore = (value: unknown): value is PayloadStore =>
  typeof value === 'object' && value !== null && typeof (value as PayloadStore).put === 'function' && typeof (value as PayloadStore).get === 'function';

/** Payloads over 256 KiB go to the store by default: well under every engine's limit, and out of every replay's transfer. */
export const defaultOffloadThresholdBytes = 256 * 1024;

/**
 * The `offload` option every driver takes (the claim check): a payload whose journaled JSON is
 * larger than `thresholdBytes` goes to `store` (a `PayloadStore`, or `{ dir }` for
 * `filePayloadStore`), and the journal keeps its reference and digest.
 *
 * @example
 * offload: { store: { dir: '/mnt/shared/ratchet-payloads' }, thresholdBytes: 256 * 1024 }
 */
export const offloadOptionSchema = z
  .strictObject({
    store: z.union([z.custom<PayloadStore>(isPayloadStore, 'expected a PayloadStore'), z.strictObject({ dir: z.string().min(1) })]),
    thresholdBytes: z.int().nonnegative().default(defaultOffloadThresholdBytes),
  })
  .transform(({ store, thresholdBytes }): PayloadOffload => ({ store: isPayloadStore(store) ? store : filePayloadStore(store.dir), thresholdBytes }));
