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

export function isPayloadCodec(value: unknown): value is PayloadCodec {
  return typeof value === 'object' && value !== null && typeof (value as PayloadCodec).seal === 'function' && typeof (value as PayloadCodec).open === 'function';
}
