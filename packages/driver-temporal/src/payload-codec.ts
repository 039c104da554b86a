import type { Payload, PayloadCodec as TemporalPayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { fetchOffloaded, PayloadKeyError, PayloadStoreError, storeOffloaded, type PayloadCodec, type PayloadOffload } from '@ratchet/core';

// A CommonJS module: its namespace comes as the default export under Node's ESM loader.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const sealedEncoding = 'binary/ratchet-sealed';
const offloadedEncoding = 'binary/ratchet-offloaded';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface TemporalPayloads {
  codec?: PayloadCodec | undefined;
  offload?: PayloadOffload | undefined;
}

/**
 * Ratchet's payload codec and offload as Temporal's own `PayloadCodec`, the boundary Temporal gives
 * for this: every payload the client and the worker exchange with the server (inputs, activity
 * arguments and results, signals, memo, failure details) is sealed whole, metadata and data, and
 * then, when larger than the threshold, put in the payload store with a reference in its place;
 * all outside the workflow sandbox. The sandbox sees payloads in clear; history holds only
 * `binary/ratchet-sealed` payloads naming their key, or `binary/ratchet-offloaded` ones naming their
 * bytes' SHA-256. With neither configured it changes nothing and refuses such a payload with a typed
 * error naming its key or reference (the SDK alone would say "Unknown encoding").
 */
export function temporalPayloadCodec(payloads: TemporalPayloads): TemporalPayloadCodec {
  return {
    encode: (batch) => Promise.all(batch.map((payload) => encode(payloads, payload))),
    decode: (batch) => Promise.all(batch.map((payload) => decode(payloads, payload, 'this Temporal client or worker'))),
  };
}

async function encode({ codec, offload }: TemporalPayloads, payload: Payload): Promise<Payload> {
  let encoded = payload;
  if (codec) {
    const { keyId, sealed } = await codec.seal(PayloadMessage.encode(encoded).finish());
    encoded = { metadata: { encoding: encoder.encode(sealedEncoding), 'ratchet-key': encoder.encode(keyId) }, data: sealed };
  }
  if (!offload) return encoded;
  const bytes = PayloadMessage.encode(encoded).finish();
  if (bytes.byteLength <= offload.thresholdBytes) return encoded;
  const ref = await storeOffloaded(offload, bytes);
  return { metadata: { encoding: encoder.encode(offloadedEncoding), 'ratchet-ref': encoder.encode(ref) }, data: new Uint8Array() };
}

async function decode({ codec, offload }: TemporalPayloads, payload: Payload, where: string): Promise<Payload> {
  let decoded = payload;
  if (encodingOf(decoded) === offloadedEncoding) {
    decoded = PayloadMessage.decode(await fetchOffloaded(offload, metadataText(decoded, 'ratchet-ref'), where));
  }
  if (encodingOf(decoded) !== sealedEncoding) return decoded;
  const keyId = metadataText(decoded, 'ratchet-key');
  if (!codec) throw new PayloadKeyError('no-codec', keyId, where);
  return PayloadMessage.decode(await codec.open(keyId, decoded.data ?? new Uint8Array()));
}

/**
 * Every encoded payload in a message read from the server's API as it is (a history, its events),
 * decoded in place: what the client's own calls do for it, for the reads that go to the raw service.
 */
export async function decodePayloadsIn<T>(message: T, payloads: TemporalPayloads): Promise<T> {
  const visit = async (node: unknown): Promise<void> => {
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
    const slots = node as Record<string, unknown>;
    await Promise.all(
      Object.keys(slots).map(async (key) => {
        const child = slots[key];
        if (isEncoded(child)) slots[key] = await decode(payloads, child, 'this Temporal client');
        else await visit(child);
      }),
    );
  };
  await visit(message);
  return message;
}

/** Throws the typed error for an encoded payload left as it is: what a client with nothing configured says instead of "Unknown encoding". */
export function refuseEncoded(payload: Payload): void {
  if (encodingOf(payload) === offloadedEncoding) throw new PayloadStoreError('no-store', metadataText(payload, 'ratchet-ref'), 'this Temporal client');
  if (encodingOf(payload) === sealedEncoding) throw new PayloadKeyError('no-codec', metadataText(payload, 'ratchet-key'), 'this Temporal client');
}

function isEncoded(value: unknown): value is Payload {
  const encoding = encodingOf(value as Payload);
  return encoding === sealedEncoding || encoding === offloadedEncoding;
}

function encodingOf(payload: Payload | null | undefined): string | undefined {
  const encoding = payload?.metadata?.encoding;
  return encoding instanceof Uint8Array ? decoder.decode(encoding) : undefined;
}

function metadataText(payload: Payload, key: string): string {
  return decoder.decode(payload.metadata?.[key] ?? new Uint8Array());
}
