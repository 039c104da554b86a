import type { Payload, PayloadCodec as TemporalPayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { PayloadKeyError, type PayloadCodec } from '@ratchet/core';

// A CommonJS module: its namespace comes as the default export under Node's ESM loader.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const sealedEncoding = 'binary/ratchet-sealed';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Ratchet's payload codec as Temporal's own `PayloadCodec`, the boundary Temporal gives for this:
 * every payload the client and the worker exchange with the server (inputs, activity arguments and
 * results, signals, memo, failure details) is sealed whole, metadata and data, outside the workflow
 * sandbox. The sandbox sees payloads in clear; history holds only sealed ones, naming their key.
 * Without a codec it seals nothing and refuses a sealed payload with `PayloadKeyError` naming its
 * key (the SDK alone would say "Unknown encoding").
 */
export function temporalPayloadCodec(codec: PayloadCodec | undefined): TemporalPayloadCodec {
  return {
    encode: async (payloads) =>
      !codec ? payloads : Promise.all(
        payloads.map(async (payload): Promise<Payload> => {
          const { keyId, sealed } = await codec.seal(PayloadMessage.encode(payload).finish());
          return { metadata: { encoding: encoder.encode(sealedEncoding), 'ratchet-key': encoder.encode(keyId) }, data: sealed };
        }),
      ),
    decode: (payloads) => Promise.all(payloads.map(async (payload) => (isSealed(payload) ? open(codec, payload) : payload))),
  };
}

/**
 * Every sealed payload in a message read from the server's API as it is (a history, its events),
 * opened in place: what the client's own calls do for it, for the reads that go to the raw service.
 */
export async function openSealedPayloads<T>(message: T, codec: PayloadCodec): Promise<T> {
  const visit = async (node: unknown): Promise<void> => {
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
    const slots = node as Record<string, unknown>;
    await Promise.all(
      Object.keys(slots).map(async (key) => {
        const child = slots[key];
        if (isSealed(child)) slots[key] = await open(codec, child);
        else await visit(child);
      }),
    );
  };
  await visit(message);
  return message;
}

/** Throws `PayloadKeyError` for a sealed payload: what a client without a codec says instead of "Unknown encoding". */
export function refuseSealed(payload: Payload): void {
  if (isSealed(payload)) throw new PayloadKeyError('no-codec', keyOf(payload), 'this Temporal client');
}

function keyOf(payload: Payload): string {
  return decoder.decode(payload.metadata!['ratchet-key'] ?? new Uint8Array());
}

function isSealed(value: unknown): value is Payload {
  const encoding = (value as Payload | undefined)?.metadata?.encoding;
  return typeof value === 'object' && value !== null && encoding instanceof Uint8Array && decoder.decode(encoding) === sealedEncoding;
}

async function open(codec: PayloadCodec | undefined, payload: Payload): Promise<Payload> {
  const keyId = keyOf(payload);
  if (!codec) throw new PayloadKeyError('no-codec', keyId, 'this Temporal client or worker');
  return PayloadMessage.decode(await codec.open(keyId, payload.data ?? new Uint8Array()));
}
