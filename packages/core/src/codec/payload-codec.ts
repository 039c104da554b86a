import { PayloadKeyError } from '../errors/payload-errors.ts';

/**
 * Seals the payloads a run journals (inputs, outputs, completions, prompts, tool arguments,
 * signals) before they reach the engine, and opens them on the way back, so the engine's storage
 * holds none of them in clear. `aesGcmCodec` is the one Ratchet ships; implement this for a key
 * service (KMS, Vault) of your own.
 */
export interface PayloadCodec {
  /** Seals a payload's bytes; `keyId` names the key used and is stored beside them. */
  seal(plain: Uint8Array): Promise<{ keyId: string; sealed: Uint8Array }>;
  /** Opens bytes sealed under `keyId`; throws `PayloadKeyError` when it cannot. */
  open(keyId: string, sealed: Uint8Array): Promise<Uint8Array>;
}

/** A sealed payload as a journal holds it: plain JSON, so every engine stores it as it stores any value. */
export interface SealedPayload {
  'ratchet.sealed': 1;
  key: string;
  data: string;
}

export function isSealedPayload(value: unknown): value is SealedPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const sealed = value as Partial<SealedPayload>;
  return sealed['ratchet.sealed'] === 1 && typeof sealed.key === 'string' && typeof sealed.data === 'string' && Object.keys(value).length === 3;
}

export function isPayloadCodec(value: unknown): value is PayloadCodec {
  return typeof value === 'object' && value !== null && typeof (value as PayloadCodec).seal === 'function' && typeof (value as PayloadCodec).open === 'function';
}

/** A JSON value sealed into a `SealedPayload`; `undefined` (no payload) stays as it is. */
export async function sealPayload(codec: PayloadCodec, value: unknown): Promise<unknown> {
  if (value === undefined) return value;
  const { keyId, sealed } = await codec.seal(new TextEncoder().encode(JSON.stringify(value)));
  return { 'ratchet.sealed': 1, key: keyId, data: toBase64(sealed) } satisfies SealedPayload;
}

/**
 * A `SealedPayload` opened back into its value; anything else is returned as it is (a payload
 * journaled before the codec was configured). With no codec, a sealed payload is a `PayloadKeyError`.
 */
export async function openPayload(codec: PayloadCodec | undefined, value: unknown, where: string): Promise<unknown> {
  if (!isSealedPayload(value)) return value;
  if (!codec) throw new PayloadKeyError('no-codec', value.key, where);
  return JSON.parse(new TextDecoder().decode(await codec.open(value.key, fromBase64(value.data))));
}

// Buffer is a global (no import), so this file stays safe for Temporal's workflow bundle; it only
// runs outside the sandbox.
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
