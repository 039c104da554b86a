import { z } from 'zod';
import { ConfigError } from '../errors/errors.ts';
import { PayloadKeyError } from '../errors/payload-errors.ts';
import type { PayloadCodec } from './payload-codec.ts';

const keyText = z.union([z.string().regex(/^[0-9a-fA-F]{64}$/), z.string().regex(/^[A-Za-z0-9+/]{43}=$/)]);

export const aesGcmCodecOptionsSchema = z.strictObject({
  /** Key id → a 256-bit key, as 64 hex digits or 44 base64 characters. Keep every key that sealed a run you still read. */
  keys: z.record(z.string().regex(/^[\w.:-]{1,64}$/), keyText),
  /** The id of the key new payloads are sealed with. */
  current: z.string(),
});

export type AesGcmCodecOptions = z.input<typeof aesGcmCodecOptionsSchema>;

/**
 * AES-256-GCM through WebCrypto, under named keys so they rotate: each payload is sealed with the
 * `current` key and names it, so a payload sealed with an older key opens while that key is listed.
 * Each seal draws a fresh 96-bit IV; the key id is authenticated with the payload (AAD), so a
 * payload relabelled with another key id does not open.
 *
 * @example
 * const codec = aesGcmCodec({ current: '2026-12', keys: { '2026-12': process.env.RATCHET_KEY_2026_12! } });
 * const driver = temporalDriver({ address: 'localhost:7233', codec });
 */
export function aesGcmCodec(options: AesGcmCodecOptions): PayloadCodec {
  const parsed = aesGcmCodecOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.');
    const what = where.startsWith('keys.') ? `${where} is not a 256-bit key (64 hex digits or 44 base64 characters)` : `${where || 'options'}: ${issue.message}`;
    throw new ConfigError(`Invalid payload codec: ${what}`, { option: where });
  }
  const { keys, current } = parsed.data;
  if (!(current in keys)) throw new ConfigError(`Invalid payload codec: the current key "${current}" is not among its keys (${Object.keys(keys).join(', ')})`, { option: 'current' });
  const imported = new Map<string, Promise<InstanceType<typeof CryptoKey>>>();
  const cryptoKey = (id: string) => {
    let key = imported.get(id);
    if (!key) {
      const text = keys[id]!;
      const raw = new Uint8Array(Buffer.from(text, text.length === 64 ? 'hex' : 'base64'));
      imported.set(id, (key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])));
    }
    return key;
  };
  return {
    async seal(plain) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(current) }, await cryptoKey(current), plain);
      const out = new Uint8Array(12 + sealed.byteLength);
      out.set(iv);
      out.set(new Uint8Array(sealed), 12);
      return { keyId: current, sealed: out };
    },
    async open(keyId, sealed) {
      if (!(keyId in keys)) throw new PayloadKeyError('unknown-key', keyId, `this codec, which holds ${Object.keys(keys).join(', ')}`);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: sealed.subarray(0, 12), additionalData: new TextEncoder().encode(keyId) },
          await cryptoKey(keyId),
          sealed.subarray(12),
        );
        return new Uint8Array(plain);
      } catch (cause) {
        throw new PayloadKeyError('not-opened', keyId, 'this codec', cause);
      }
    },
  };
}
