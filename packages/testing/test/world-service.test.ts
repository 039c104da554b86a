import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { postEffect, startWorldService, WorldRequestError, type AppliedEffect } from '../src/world/index.ts';

const world = await startWorldService();
after(() => world.close());
beforeEach(() => world.reset());

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${world.url}/effects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('world service', () => {
  test('applies an effect once per idempotency key and answers repeats from the record', async () => {
    const first = await post({ type: 'email.sent', payload: { to: 'a@example.com' } }, { 'Idempotency-Key': 'run-1:step-1' });
    const second = await post({ type: 'email.sent', payload: { to: 'a@example.com' } }, { 'Idempotency-Key': 'run-1:step-1' });

    assert.equal(first.status, 201);
    assert.deepEqual(first.json, { id: first.json.id, type: 'email.sent', duplicate: false });
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, { id: first.json.id, type: 'email.sent', duplicate: true });
    assert.equal(world.effects.length, 1);
    assert.deepEqual(world.effects[0]?.payload, { to: 'a@example.com' });
    assert.equal(world.effects[0]?.idempotencyKey, 'run-1:step-1');
    assert.deepEqual(
      world.attempts.map((a) => [a.idempotencyKey, a.duplicate, a.status]),
      [['run-1:step-1', false, 201], ['run-1:step-1', true, 200]],
    );
    assert.equal(world.duplicates(), 1);
  });

  test('postEffect reports duplicates and GET /effects lists applied effects in order', async () => {
    const a = await postEffect(world.url, { type: 'ticket.opened', payload: { n: 1 } }, 'k-a');
    const b = await postEffect(`${world.url}/`, { type: 'payment.charged', payload: { n: 2 } }, 'k-b');
    const again = await postEffect(world.url, { type: 'ticket.opened', payload: { n: 1 } }, 'k-a');

    assert.deepEqual(a, { id: a.id, duplicate: false });
    assert.notEqual(a.id, b.id);
    assert.deepEqual(again, { id: a.id, duplicate: true });

    const listed = (await (await fetch(`${world.url}/effects`)).json()) as { effects: AppliedEffect[] };
    assert.deepEqual(listed.effects.map((e) => [e.id, e.type]), [[a.id, 'ticket.opened'], [b.id, 'payment.charged']]);
    assert.deepEqual(world.effectsOfType('payment.charged').map((e) => e.id), [b.id]);
  });

  test('a POST without Idempotency-Key is refused with 400 and applies nothing', async () => {
    const answer = await post({ type: 'email.sent', payload: {} });

    assert.equal(answer.status, 400);
    assert.match(answer.json.error, /Idempotency-Key/);
    assert.equal(world.effects.length, 0);
    assert.deepEqual(world.attempts.map((a) => [a.idempotencyKey, a.status]), [[null, 400]]);
  });

  test('a body that is not JSON or has no type is refused with 400', async () => {
    const notJson = await post('{not json', { 'Idempotency-Key': 'k' });
    const noType = await post({ payload: 1 }, { 'Idempotency-Key': 'k' });

    assert.equal(notJson.status, 400);
    assert.match(notJson.json.error, /JSON/);
    assert.equal(noType.status, 400);
    assert.match(noType.json.error, /"type"/);
    assert.equal(world.effects.length, 0);
  });

  test('failNext fails the next POSTs without applying them or remembering their key', async () => {
    world.failNext(2, 503);

    for (let i = 0; i < 2; i++) {
      await assert.rejects(postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-retry'), (error) => {
        assert.ok(error instanceof WorldRequestError);
        assert.equal(error.status, 503);
        return true;
      });
    }
    const third = await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-retry');

    assert.equal(third.duplicate, false);
    assert.equal(world.effects.length, 1);
    assert.deepEqual(world.attempts.map((a) => a.status), [503, 503, 201]);
  });

  test('failNext defaults to 500', async () => {
    world.failNext(1);
    await assert.rejects(postEffect(world.url, { type: 'x', payload: null }, 'k'), { status: 500 });
  });

  test('effect listeners run after the effect is applied and before the answer, until unsubscribed', async () => {
    const seen: Array<{ id: string; recorded: boolean }> = [];
    const unsubscribe = world.on('effect', (effect) => {
      seen.push({ id: effect.id, recorded: world.effects.includes(effect) });
    });

    const first = await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-1');
    await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-1');
    unsubscribe();
    await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-2');

    // One call: the duplicate did not apply again, and the third came after unsubscribing.
    assert.deepEqual(seen, [{ id: first.id, recorded: true }]);
  });

  test('a listener that returns a promise holds the answer until it settles', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const unsubscribe = world.on('effect', () => held);
    let answered = false;
    const posting = postEffect(world.url, { type: 'email.sent', payload: {} }, 'k-held').then((receipt) => ((answered = true), receipt));
    while (world.effects.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(answered, false, 'applied, and the answer waits');
    release();
    assert.equal((await posting).duplicate, false);
    unsubscribe();
  });

  test('reset forgets effects, attempts, keys and injected failures; ids are never reused', async () => {
    const before = await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k');
    world.failNext(5);
    world.reset();

    const after = await postEffect(world.url, { type: 'email.sent', payload: {} }, 'k');

    assert.equal(after.duplicate, false);
    assert.notEqual(after.id, before.id);
    assert.equal(world.effects.length, 1);
    assert.equal(world.attempts.length, 1);
  });

  test('unknown routes answer 404 and other methods 405', async () => {
    assert.equal((await fetch(`${world.url}/nope`)).status, 404);
    assert.equal((await fetch(`${world.url}/effects`, { method: 'DELETE' })).status, 405);
  });

  test('close is idempotent', async () => {
    const other = await startWorldService();
    await postEffect(other.url, { type: 'x', payload: null }, 'k');
    await Promise.all([other.close(), other.close()]);
    await other.close();
  });
});
