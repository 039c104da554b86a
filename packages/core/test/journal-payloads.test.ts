import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { aesGcmCodec, ConfigError, isOffloadedPayload, isSealedPayload, JournalPayloads, PayloadKeyError, PayloadStoreError, type OffloadedPayload, type PayloadCodec, type PayloadStore, type SealedPayload } from '../src/index.ts';

const sealPayload = (codec: PayloadCodec, value: unknown) => new JournalPayloads({ codec }).encode(value);
const openPayload = (codec: PayloadCodec | undefined, value: unknown, where: string) => new JournalPayloads({ codec }).decode(value, where);

const hexKey = () => randomBytes(32).toString('hex');
const value = { prompt: 'the quarterly numbers', tokens: [1, 2, 3], nested: { ok: true } };

describe('journal payloads: codec and offload', () => {
  it('seals a JSON value into a payload that names its key and holds nothing in clear, and opens it back', async () => {
    const codec = aesGcmCodec({ current: 'k1', keys: { k1: hexKey() } });
    const sealed = await sealPayload(codec, value);
    assert.ok(isSealedPayload(sealed));
    assert.equal(sealed.key, 'k1');
    assert.doesNotMatch(JSON.stringify(sealed), /quarterly/);
    assert.deepEqual(await openPayload(codec, sealed, 'a test'), value);
    assert.notDeepEqual(await sealPayload(codec, value), sealed, 'a fresh IV each time');
    assert.equal(await sealPayload(codec, undefined), undefined);
  });

  it('takes keys as hex or base64, and opens payloads sealed with an older key while it is listed', async () => {
    const k1 = hexKey();
    const k2 = randomBytes(32).toString('base64');
    const before = await sealPayload(aesGcmCodec({ current: 'k1', keys: { k1 } }), value);
    const rotated = aesGcmCodec({ current: 'k2', keys: { k1, k2 } });
    assert.deepEqual(await openPayload(rotated, before, 'a test'), value);
    assert.equal(((await sealPayload(rotated, value)) as SealedPayload).key, 'k2');
    await assert.rejects(openPayload(aesGcmCodec({ current: 'k2', keys: { k2 } }), before, 'a test'), (error: unknown) => error instanceof PayloadKeyError && error.problem === 'unknown-key' && error.keyId === 'k1' && /key "k1"/.test(error.message));
  });

  it('refuses a payload sealed under the same id with another key, altered, or relabelled with another key id', async () => {
    const [k1, k2] = [hexKey(), hexKey()];
    const sealed = (await sealPayload(aesGcmCodec({ current: 'k1', keys: { k1, k2 } }), value)) as SealedPayload;
    const notOpened = (error: unknown) => error instanceof PayloadKeyError && error.problem === 'not-opened';
    await assert.rejects(openPayload(aesGcmCodec({ current: 'k1', keys: { k1: hexKey() } }), sealed, 'a test'), notOpened);
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    await assert.rejects(openPayload(aesGcmCodec({ current: 'k1', keys: { k1 } }), { ...sealed, data: bytes.toString('base64') }, 'a test'), notOpened);
    await assert.rejects(openPayload(aesGcmCodec({ current: 'k1', keys: { k1, k2: k1 } }), { ...sealed, key: 'k2' }, 'a test'), notOpened, 'the key id is authenticated');
  });

  it('refuses a sealed payload where no codec is configured, naming its key, and passes other values through', async () => {
    const sealed = await sealPayload(aesGcmCodec({ current: 'ops-2026', keys: { 'ops-2026': hexKey() } }), value);
    await assert.rejects(openPayload(undefined, sealed, 'this client'), (error: unknown) => error instanceof PayloadKeyError && error.problem === 'no-codec' && /key "ops-2026"/.test(error.message));
    assert.deepEqual(await openPayload(undefined, value, 'this client'), value);
  });

  it('names a key that is not 256 bits, and a current key that is not listed', () => {
    assert.throws(() => aesGcmCodec({ current: 'k1', keys: { k1: 'too-short' } }), (error: unknown) => error instanceof ConfigError && /keys\.k1 is not a 256-bit key/.test(error.message));
    assert.throws(() => aesGcmCodec({ current: 'k3', keys: { k1: hexKey() } }), (error: unknown) => error instanceof ConfigError && /current key "k3" is not among its keys \(k1\)/.test(error.message));
  });

  it('offloads a payload over the threshold to the store, keeping its digest, and refuses it missing or altered', async () => {
    const blobs = new Map<string, Uint8Array>();
    const store: PayloadStore = { put: async (key, bytes) => void blobs.set(key, bytes), get: async (key) => blobs.get(key) };
    const payloads = new JournalPayloads({ offload: { store, thresholdBytes: 100 } });
    assert.equal(await payloads.encode('small'), 'small', 'at or under the threshold it stays in the journal');
    const large = { text: 'x'.repeat(500) };
    const reference = (await payloads.encode(large)) as OffloadedPayload;
    assert.ok(isOffloadedPayload(reference));
    assert.equal(reference.bytes, JSON.stringify(large).length);
    assert.deepEqual(await payloads.decode(reference, 'a test'), large);
    blobs.set(reference.ref, new TextEncoder().encode(JSON.stringify({ text: 'y'.repeat(500) })));
    await assert.rejects(payloads.decode(reference, 'a test'), (error: unknown) => error instanceof PayloadStoreError && error.problem === 'altered' && error.ref === reference.ref);
    blobs.clear();
    await assert.rejects(payloads.decode(reference, 'a test'), (error: unknown) => error instanceof PayloadStoreError && error.problem === 'missing');
    await assert.rejects(new JournalPayloads().decode(reference, 'this client'), (error: unknown) => error instanceof PayloadStoreError && error.problem === 'no-store' && /has none: configure the driver's `offload`/.test(error.message));
  });
});

