import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PayloadKeyError, PayloadStoreError } from '../errors/payload-errors.ts';
import type { PayloadCodec } from './payload-codec.ts';
import type { PayloadStore } from './payload-store.ts';

/** The claim check: payloads whose JSON is larger than `thresholdBytes` go to `store`. */
export interface PayloadOffload {
  store: PayloadStore;
  thresholdBytes: number;
}

/** A sealed payload as a journal holds it: plain JSON, so every engine stores it as it stores any value. */
export interface SealedPayload {
  'ratchet.sealed': 1;
  key: string;
  data: string;
}

/** An offloaded payload as a journal holds it: where its bytes are (their SHA-256, hex) and how many. */
export interface OffloadedPayload {
  'ratchet.offloaded': 1;
  ref: string;
  bytes: number;
}

/**
 * What every payload a run journals passes through between the agent and the engine: sealed with
 * the codec, then, when it is still larger than the threshold, put in the store with a reference
 * left in its place; read back the other way round. A value journaled before either was configured
 * reads back as it is. With neither, nothing is changed, and a sealed or offloaded payload is
 * refused with a typed error (`PayloadKeyError`, `PayloadStoreError`) rather than handed on.
 */
export class JournalPayloads {
  readonly codec: PayloadCodec | undefined;
  readonly offload: PayloadOffload | undefined;

  constructor(options: { codec?: PayloadCodec | undefined; offload?: PayloadOffload | undefined } = {}) {
    this.codec = options.codec;
    this.offload = options.offload;
  }

  /** Whether `encode` changes anything. */
  get active(): boolean {
    return this.codec !== undefined || this.offload !== undefined;
  }

  /** A JSON value as the engine is to keep it; `undefined` (no payload) stays as it is. */
  async encode(value: unknown): Promise<unknown> {
    if (value === undefined || !this.active) return value;
    let encoded = value;
    if (this.codec) {
      const { keyId, sealed } = await this.codec.seal(utf8.encode(JSON.stringify(value)));
      encoded = { 'ratchet.sealed': 1, key: keyId, data: toBase64(sealed) } satisfies SealedPayload;
    }
    if (!this.offload) return encoded;
    const bytes = utf8.encode(JSON.stringify(encoded));
    if (bytes.byteLength <= this.offload.thresholdBytes) return encoded;
    return { 'ratchet.offloaded': 1, ref: await storeOffloaded(this.offload, bytes), bytes: bytes.byteLength } satisfies OffloadedPayload;
  }

  /** A value the engine kept, back as the agent journaled it; `where` names the reader in errors. */
  async decode(value: unknown, where: string): Promise<unknown> {
    let decoded = value;
    if (isOffloadedPayload(decoded)) decoded = JSON.parse(utf8.decode(await fetchOffloaded(this.offload, decoded.ref, where)));
    if (!isSealedPayload(decoded)) return decoded;
    if (!this.codec) throw new PayloadKeyError('no-codec', decoded.key, where);
    return JSON.parse(utf8.decode(await this.codec.open(decoded.key, fromBase64(decoded.data))));
  }
}

/** Puts `bytes` in the offload store under their SHA-256 (hex): the reference the journal keeps instead. */
export async function storeOffloaded(offload: PayloadOffload, bytes: Uint8Array): Promise<string> {
  const ref = bytesToHex(sha256(bytes));
  await offload.store.put(ref, bytes);
  return ref;
}

/** The bytes stored under `ref`, checked against it; `PayloadStoreError` when there is no store, no bytes, or other bytes. */
export async function fetchOffloaded(offload: PayloadOffload | undefined, ref: string, where: string): Promise<Uint8Array> {
  if (!offload) throw new PayloadStoreError('no-store', ref, where);
  const bytes = await offload.store.get(ref);
  if (!bytes) throw new PayloadStoreError('missing', ref, where);
  if (bytesToHex(sha256(bytes)) !== ref) throw new PayloadStoreError('altered', ref, where);
  return bytes;
}

/** Reads only: nothing configured, so sealed and offloaded payloads are refused by name. */
export const plainPayloads = new JournalPayloads();

export function isSealedPayload(value: unknown): value is SealedPayload {
  const sealed = value as Partial<SealedPayload> | null;
  return isMarked(value, 'ratchet.sealed') && typeof sealed!.key === 'string' && typeof sealed!.data === 'string';
}

export function isOffloadedPayload(value: unknown): value is OffloadedPayload {
  const offloaded = value as Partial<OffloadedPayload> | null;
  return isMarked(value, 'ratchet.offloaded') && typeof offloaded!.ref === 'string' && typeof offloaded!.bytes === 'number';
}

/** Whether a value is one `JournalPayloads` wrote (sealed or offloaded). */
export function isEncodedPayload(value: unknown): boolean {
  return isSealedPayload(value) || isOffloadedPayload(value);
}

/** An object of exactly three keys, `marker: 1` among them; the marker is looked at first, as every output passes here. */
const isMarked = (value: unknown, marker: string) =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)[marker] === 1 && !Array.isArray(value) && Object.keys(value).length === 3;

const utf8 = { encode: (text: string) => new TextEncoder().encode(text), decode: (bytes: Uint8Array) => new TextDecoder().decode(bytes) };

// Buffer is a global (no import), so this file stays safe for Temporal's workflow bundle; it only
// runs outside the sandbox.
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
