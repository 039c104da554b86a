import { z } from 'zod';
import { aesGcmCodec, type AesGcmCodecOptions } from './aes-gcm-codec.ts';
import { isPayloadCodec, type PayloadCodec } from './payload-codec.ts';

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
