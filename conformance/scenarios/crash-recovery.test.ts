import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { RunDeadLetteredError, RunFailedError } from '@ratchet/core';
import { stopAll } from '@ratchet/testing';
import { determinismAgent, orderAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

// Real worker processes, killed with SIGKILL at chosen points and replaced by new ones.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: kill -9`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(() => s.close());

    for (const type of ['reserve', 'charge', 'ship']) {
      it(`resumes when killed after the world applied "${type}" but before it was journaled`, async () => {
        const runId = `kill-${type}`;
        const first = await s.spawnWorker();
        const killed = s.killOnEffect(first, runId, type);
        await s.client.start(orderAgent, { item: 'lamp', cents: 100 }, { runId });
        await killed;
        await s.spawnWorker();
        const output = await s.client.result<{ shipped: string }>(runId, { timeoutMs: 120_000 });

        assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
        assert.equal(output.shipped, s.effectsOf(runId)[2]!.id);
        // Steps before the kill were not re-run; the killed one was retried once, with the same key.
        assert.deepEqual(s.attemptsOf(runId).map((a) => [a.type, a.duplicate]), [
          ['reserve', false], ...(type === 'reserve' ? [['reserve', true]] : []),
          ['charge', false], ...(type === 'charge' ? [['charge', true]] : []),
          ['ship', false], ...(type === 'ship' ? [['ship', true]] : []),
        ]);
        const journal = await s.client.journal(runId);
        assert.deepEqual(journal.map((e) => [e.stepId, e.status]), [['tool:reserve#1', 'completed'], ['tool:charge#1', 'completed'], ['step:ship#1', 'completed']]);
        assert.ok((await s.client.describe(runId)).executions >= 2);
      });
    }

    it('compensates exactly once when the worker dies during compensation', async () => {
      const runId = 'kill-compensation';
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'refund');
      await s.client.start(orderAgent, { item: 'vase', cents: 100, then: 'fail' }, { runId });
      await killed;
      await s.spawnWorker();
      const error = await s.client.result(runId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.deepEqual(error.compensations.map((c) => [c.name, c.status]), [['charge', 'compensated'], ['reserve', 'compensated']]);
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
    });

    it('keeps waiting for a signal across a restart and resumes when it arrives', async () => {
      const runId = 'kill-signal';
      const first = await s.spawnWorker();
      await s.client.start(orderAgent, { item: 'rug', cents: 100, then: 'approve' }, { runId });
      await s.waitUntilWaiting(runId);
      await first.kill();
      await s.client.approve(runId, 'ship', { by: 'ops' });
      await s.spawnWorker();
      assert.equal((await s.client.result<{ approvedBy: string }>(runId, { timeoutMs: 120_000 })).approvedBy, 'ops');
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
    });

    it('times an approval out across a kill, and compensates', async () => {
      const runId = 'kill-approval-timeout';
      const first = await s.spawnWorker();
      await s.client.start(orderAgent, { item: 'lamp', cents: 100, then: 'approve-briefly' }, { runId });
      await s.waitUntilWaiting(runId);
      await first.kill();
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // the deadline passes while no worker runs
      await s.spawnWorker();
      const error = await s.client.result(runId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.match(error.error.message, /nobody approved shipping in time/);
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
      const wait = (await s.client.journal(runId)).find((e) => e.kind === 'signal')!;
      assert.deepEqual(wait.output, { received: false });
    });

    it('keeps a durable sleep deadline across a kill', async () => {
      const runId = 'kill-sleep';
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'charge');
      await s.client.start(orderAgent, { item: 'mat', cents: 100, then: 'sleep' }, { runId });
      await killed;
      await s.spawnWorker();
      await s.client.result(runId, { timeoutMs: 120_000 });
      const journal = await s.client.journal(runId);
      const sleep = journal.find((e) => e.kind === 'sleep')!;
      const ship = journal.find((e) => e.stepId === 'step:ship#1')!;
      assert.ok(ship.startedAt - sleep.startedAt >= 300, 'ship ran no earlier than the sleep deadline');
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
    });

    it('replays now/uuid/random identically after a kill', async () => {
      const runId = 'kill-determinism';
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'record');
      await s.client.start(determinismAgent, {}, { runId });
      const recorded = await killed; // made by the first execution, which then died
      await s.spawnWorker();
      const output = await s.client.result<{ now: number; uuid: string; random: number }>(runId, { timeoutMs: 120_000 });
      assert.deepEqual({ uuid: output.uuid, random: output.random }, recorded.payload);
      assert.equal((await s.client.journal(runId))[0]!.output, output.now, 'now was journaled by the first execution and replayed');
    });

    it('dead-letters with NonDeterminismError when a deploy reorders the steps', async () => {
      const runId = 'kill-nondeterminism';
      const first = await s.spawnWorker();
      await s.client.start(orderAgent, { item: 'box', cents: 100, then: 'approve' }, { runId });
      await s.waitUntilWaiting(runId);
      await first.kill();
      await s.spawnWorker({ variant: 'reordered' });
      await s.client.approve(runId, 'ship');
      const error = await s.client.result(runId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunDeadLetteredError, String(error));
      assert.equal(error.error.kind, 'non-determinism');
      assert.match(error.message, /step 0: the journal has "tool:reserve#1" but the agent asked for "tool:charge#1"/);
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge'], 'nothing past the divergence ran');

      // Compatible code comes back: the run stays parked until someone redrives it, then finishes.
      await stopAll();
      await s.spawnWorker();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal((await s.client.describe(runId)).status, 'dead-lettered');
      await s.client.redrive(runId);
      await s.client.result(runId, { timeoutMs: 120_000 });
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'ship']);
    });

    it('never runs one step on two racing workers', async () => {
      await Promise.all([s.spawnWorker(), s.spawnWorker()]);
      const runIds = Array.from({ length: 8 }, (_, i) => `race-${i}`);
      await Promise.all(runIds.map((runId) => s.client.start(orderAgent, { item: runId, cents: 100 }, { runId })));
      for (const runId of runIds) await s.client.result(runId, { timeoutMs: 120_000 });
      for (const runId of runIds) {
        assert.deepEqual(s.attemptsOf(runId).map((a) => [a.type, a.duplicate]), [['reserve', false], ['charge', false], ['ship', false]]);
      }
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
