import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  InputValidationError,
  RunConflictError,
  RunDeadLetteredError,
  RunFailedError,
  RunNotFoundError,
} from '@ratchet/core';
import { createHarness, type Harness } from './harness.ts';
import { determinismAgent, orderAgent, reorderedOrderAgent } from './fixtures/agents.ts';

describe('local driver', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.startWorker();
  });
  after(() => h.close());

  it('runs an agent to completion and journals every step in order', async () => {
    const run = await h.client.start(orderAgent, { item: 'lamp', cents: 1200 }, { runId: 'order-1' });
    const output = await run.result({ timeoutMs: 10_000 });
    assert.equal(output.shipped, h.world.effectsOfType('ship')[0]!.id);
    const journal = await h.client.journal('order-1');
    assert.deepEqual(journal.map((entry) => entry.stepId), ['tool:reserve#1', 'tool:charge#1', 'step:ship#1']);
    assert.ok(journal.every((entry) => entry.status === 'completed' && entry.attempts === 1));
    assert.deepEqual(h.world.effects.filter((e) => e.idempotencyKey.startsWith('order-1:')).map((e) => e.idempotencyKey), [
      'order-1:tool:reserve#1',
      'order-1:tool:charge#1',
      'order-1:step:ship#1',
    ]);
    assert.equal((await h.client.describe('order-1')).status, 'completed');
  });

  it('starts idempotently by run id and refuses a conflicting start', async () => {
    const first = await h.client.start(orderAgent, { item: 'desk', cents: 5000 }, { runId: 'order-idem' });
    const second = await h.client.start(orderAgent, { item: 'desk', cents: 5000 }, { runId: 'order-idem' });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    await second.result({ timeoutMs: 10_000 });
    assert.equal(h.world.effects.filter((e) => e.idempotencyKey === 'order-idem:tool:reserve#1').length, 1);
    await assert.rejects(h.client.start(orderAgent, { item: 'chair', cents: 5000 }, { runId: 'order-idem' }), RunConflictError);
  });

  it('rejects invalid agent input with a typed error before any run exists', async () => {
    const before = h.world.attempts.length;
    await assert.rejects(
      h.client.start(orderAgent, { item: '', cents: -1 } as never, { runId: 'order-bad-input' }),
      (error: unknown) => {
        assert.ok(error instanceof InputValidationError);
        assert.match(error.message, /agent "order".*item.*cents/);
        return true;
      },
    );
    await assert.rejects(h.client.describe('order-bad-input'), RunNotFoundError);
    assert.equal(h.world.attempts.length, before);
  });

  it('compensates completed steps in reverse order when the run fails', async () => {
    const run = await h.client.start(orderAgent, { item: 'vase', cents: 900, then: 'fail' }, { runId: 'order-saga' });
    const error = await run.result({ timeoutMs: 10_000 }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof RunFailedError);
    assert.equal(error.error.kind, 'terminal');
    assert.match(error.error.message, /cannot ship vase/);
    assert.deepEqual(error.compensations.map((c) => [c.stepId, c.status]), [
      ['tool:charge#1', 'compensated'],
      ['tool:reserve#1', 'compensated'],
    ]);
    const mine = h.world.effects.filter((e) => e.idempotencyKey.startsWith('order-saga:'));
    assert.deepEqual(mine.map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
    const journal = await h.client.journal('order-saga');
    assert.deepEqual(journal.slice(2).map((e) => e.stepId), ['compensation:charge#1', 'compensation:reserve#1']);
  });

  it('waits for an approval signal, including one sent before the wait', async () => {
    const run = await h.client.start(orderAgent, { item: 'rug', cents: 300, then: 'approve' }, { runId: 'order-approve' });
    await waitFor(async () => (await h.client.journal('order-approve')).length === 2 && (await h.client.describe('order-approve')).status === 'waiting');
    await h.client.approve('order-approve', 'ship', { by: 'dana' });
    assert.deepEqual(await run.result({ timeoutMs: 10_000 }), { shipped: h.world.effects.find((e) => e.idempotencyKey === 'order-approve:step:ship#1')!.id, approvedBy: 'dana' });

    await h.client.start(orderAgent, { item: 'mat', cents: 300, then: 'approve' }, { runId: 'order-early' });
    await h.client.approve('order-early', 'ship', { by: 'early' });
    assert.equal((await h.client.result<{ approvedBy: string }>('order-early', { timeoutMs: 10_000 })).approvedBy, 'early');

    await assert.rejects(h.client.signal('no-such-run', 'x'), RunNotFoundError);
  });

  it('fails with the rejection and compensates when the approval is rejected', async () => {
    await h.client.start(orderAgent, { item: 'cup', cents: 300, then: 'approve' }, { runId: 'order-reject' });
    await h.client.reject('order-reject', 'ship', { by: 'lee', comment: 'no' });
    const error = await h.client.result('order-reject', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunFailedError);
    assert.match(error.message, /rejected/);
    assert.equal(error.compensations.length, 2);
  });

  it('sleeps durably and keeps now/uuid/random identical on replay', async () => {
    const run = await h.client.start(determinismAgent, {}, { runId: 'det-1' });
    const output = await run.result({ timeoutMs: 10_000 });
    assert.ok(output.afterSleep - output.now >= 50);
    const journal = await h.client.journal('det-1');
    assert.deepEqual(journal.map((e) => e.stepId), ['now:now#1', 'step:record#1', 'sleep:sleep#1', 'now:now#2']);
    assert.deepEqual(journal[1]!.input, { now: output.now, uuid: output.uuid, random: output.random });
    assert.equal(journal[0]!.output, output.now);
    // The sleep suspended the run, so the second execution replayed the first `now` and the uuid.
    const described = await h.client.describe('det-1');
    assert.ok(described.executions >= 2);
    assert.match(output.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('dead-letters a step whose retries run out and redrives it at that step', async () => {
    const run = await h.client.start(orderAgent, { item: 'bell', cents: 100, then: 'approve' }, { runId: 'order-dlq' });
    await waitFor(async () => (await h.client.describe('order-dlq')).status === 'waiting');
    h.world.failNext(3); // the ship step's three attempts (maxAttempts 3) all fail
    await h.client.approve('order-dlq', 'ship');
    const error = await run.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.equal(error.stepId, 'step:ship#1');
    assert.match(error.message, /World service answered 500/);
    assert.equal((await h.client.describe('order-dlq')).status, 'dead-lettered');
    const parked = await h.client.journal('order-dlq');
    assert.deepEqual(parked.map((e) => e.stepId), ['tool:reserve#1', 'tool:charge#1', 'signal:approval:ship#1'], 'the journal is intact');

    await h.client.redrive('order-dlq');
    await run.result({ timeoutMs: 10_000 });
    const journal = await h.client.journal('order-dlq');
    assert.deepEqual(journal.map((e) => e.stepId), [...parked.map((e) => e.stepId), 'step:ship#1']);
    assert.deepEqual(journal.slice(0, 3), parked, 'redrive resumed at the failed step without re-running earlier ones');
    const keys = h.world.effects.filter((e) => e.idempotencyKey.startsWith('order-dlq:')).map((e) => e.type);
    assert.deepEqual(keys, ['reserve', 'charge', 'ship']);
  });
});

describe('local driver, code changes under a run', () => {
  it('dead-letters with NonDeterminismError when a deploy reorders the steps', async () => {
    const h = await createHarness();
    try {
      const first = await h.startWorker();
      await h.client.start(orderAgent, { item: 'box', cents: 100, then: 'approve' }, { runId: 'order-nd' });
      await waitFor(async () => (await h.client.describe('order-nd')).status === 'waiting');
      await first.stop();
      await h.startWorker({ agents: [reorderedOrderAgent] });
      await h.client.approve('order-nd', 'ship');
      const error = await h.client.result('order-nd', { timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunDeadLetteredError, String(error));
      assert.equal(error.error.kind, 'non-determinism');
      assert.match(error.message, /step 0: the journal has "tool:reserve#1" but the agent asked for "tool:charge#1"/);
      assert.equal(h.world.effectsOfType('charge').length, 1, 'nothing past the divergence ran');
    } finally {
      await h.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
