import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { RunFailedError } from '@ratchet/core';
import { killWhen, spawnWorker, stopAll, type AppliedEffect, type WorkerProcess } from '@ratchet/testing';
import { createHarness, type Harness } from './harness.ts';
import { determinismAgent, orderAgent } from './fixtures/agents.ts';

const workerEntry = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

// Real worker processes on one database, killed with SIGKILL; the replacement takes over once the
// dead worker's lease (1 s in the fixture) expires.
describe('local driver under kill -9', () => {
  let h: Harness;
  const spawn = async (variant?: string) => {
    const worker = spawnWorker(workerEntry, {
      env: { RATCHET_DB: h.dbPath, WORLD_URL: h.world.url, ...(variant ? { AGENT_VARIANT: variant } : {}) },
    });
    await worker.waitForOutput(/worker ready/);
    return worker;
  };
  const effectsOf = (runId: string) => h.world.effects.filter((effect) => effect.idempotencyKey.startsWith(`${runId}:`));
  const attemptsOf = (runId: string) => h.world.attempts.filter((attempt) => attempt.idempotencyKey?.startsWith(`${runId}:`));
  const killOnEffect = (worker: WorkerProcess, runId: string, type: string) =>
    killWhen<AppliedEffect>((listener) => h.world.on('effect', listener), (effect) => effect.idempotencyKey.startsWith(`${runId}:`) && effect.type === type, worker);

  before(async () => {
    h = await createHarness();
  });
  afterEach(() => stopAll());
  after(() => h.close());

  for (const [point, type] of [['after the 1st effect', 'reserve'], ['after the 2nd effect', 'charge'], ['after the last effect', 'ship']] as const) {
    it(`resumes ${point} was applied but before it was journaled, applying nothing twice`, async () => {
      const runId = `kill-${type}`;
      const first = await spawn();
      const killed = killOnEffect(first, runId, type);
      await h.client.start(orderAgent, { item: 'lamp', cents: 100 }, { runId });
      await killed;
      const second = await spawn();
      const output = await h.client.result<{ shipped: string }>(runId, { timeoutMs: 20_000 });

      assert.deepEqual(effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
      assert.equal(output.shipped, effectsOf(runId)[2]!.id);
      // The killed step was retried once with the same key, and the world answered from its record.
      const retried = attemptsOf(runId).filter((a) => a.type === type);
      assert.deepEqual(retried.map((a) => a.duplicate), [false, true]);
      const journal = await h.client.journal(runId);
      assert.deepEqual(journal.map((e) => [e.stepId, e.attempts]), [
        ['tool:reserve#1', type === 'reserve' ? 2 : 1],
        ['tool:charge#1', type === 'charge' ? 2 : 1],
        ['step:ship#1', type === 'ship' ? 2 : 1],
      ]);
      assert.ok((await h.client.describe(runId)).executions >= 2);
      await second.kill();
    });
  }

  it('compensates exactly once when the worker dies during compensation', async () => {
    const runId = 'kill-compensation';
    const first = await spawn();
    const killed = killOnEffect(first, runId, 'refund');
    await h.client.start(orderAgent, { item: 'vase', cents: 100, then: 'fail' }, { runId });
    await killed;
    await spawn();
    const error = await h.client.result(runId, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunFailedError, String(error));
    assert.deepEqual(error.compensations.map((c) => [c.name, c.status]), [['charge', 'compensated'], ['reserve', 'compensated']]);
    assert.deepEqual(effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
  });

  it('keeps waiting for a signal across a restart and resumes when it arrives', async () => {
    const runId = 'kill-signal';
    const first = await spawn();
    await h.client.start(orderAgent, { item: 'rug', cents: 100, then: 'approve' }, { runId });
    await waitFor(async () => (await h.client.describe(runId)).status === 'waiting');
    await first.kill();
    await h.client.approve(runId, 'ship', { by: 'ops' });
    await spawn();
    assert.equal((await h.client.result<{ approvedBy: string }>(runId, { timeoutMs: 20_000 })).approvedBy, 'ops');
    assert.deepEqual(effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
  });

  it('keeps a durable sleep deadline across a kill', async () => {
    const runId = 'kill-sleep';
    const first = await spawn();
    const killed = killOnEffect(first, runId, 'charge');
    await h.client.start(orderAgent, { item: 'mat', cents: 100, then: 'sleep' }, { runId });
    await killed;
    await spawn();
    await h.client.result(runId, { timeoutMs: 20_000 });
    const journal = await h.client.journal(runId);
    const sleep = journal.find((e) => e.kind === 'sleep')!;
    const ship = journal.find((e) => e.stepId === 'step:ship#1')!;
    assert.ok(ship.startedAt - sleep.startedAt >= 300, 'ship ran no earlier than the sleep deadline');
    assert.deepEqual(effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
  });

  it('replays now/uuid/random identically after a kill', async () => {
    const runId = 'kill-determinism';
    const first = await spawn();
    const killed = killOnEffect(first, runId, 'record');
    await h.client.start(determinismAgent, {}, { runId });
    const recorded = await killed; // made by the first execution, which then died
    await spawn();
    const output = await h.client.result<{ now: number; uuid: string; random: number }>(runId, { timeoutMs: 20_000 });
    assert.deepEqual({ now: output.now, uuid: output.uuid, random: output.random }, recorded.payload);
    assert.ok((await h.client.describe(runId)).executions >= 2);
  });

  it('never runs one step on two racing workers', async () => {
    await Promise.all([spawn(), spawn()]);
    const runIds = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    await Promise.all(runIds.map((runId) => h.client.start(orderAgent, { item: runId, cents: 100 }, { runId })));
    for (const runId of runIds) await h.client.result(runId, { timeoutMs: 20_000 });
    for (const runId of runIds) {
      assert.deepEqual(attemptsOf(runId).map((a) => [a.type, a.duplicate]), [['reserve', false], ['charge', false], ['ship', false]]);
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
