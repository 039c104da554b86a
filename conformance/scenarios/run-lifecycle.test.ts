import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InputValidationError, RunConflictError, RunDeadLetteredError, RunEndedError, RunFailedError, RunNotFoundError } from '@ratchet/core';
import { determinismAgent, orderAgent, pairShipAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

for (const driver of selectedDrivers()) {
  describe(`${driver.name}: run lifecycle`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
      await s.spawnWorker();
    });
    after(() => s.close());

    it('runs an agent to completion and journals every step in order', async () => {
      const run = await s.client.start(orderAgent, { item: 'lamp', cents: 1200 }, { runId: 'order-1' });
      const output = await run.result({ timeoutMs: 60_000 });
      assert.equal(output.shipped, s.effectsOf('order-1')[2]!.id);
      const journal = await s.client.journal('order-1');
      assert.deepEqual(journal.map((entry) => [entry.position, entry.stepId, entry.kind, entry.status, entry.attempts]), [
        [0, 'tool:reserve#1', 'tool', 'completed', 1],
        [1, 'tool:charge#1', 'tool', 'completed', 1],
        [2, 'step:ship#1', 'step', 'completed', 1],
      ]);
      assert.deepEqual(journal[1]!.input, { item: 'lamp', cents: 1200 });
      assert.deepEqual(s.effectsOf('order-1').map((e) => e.idempotencyKey), ['order-1:tool:reserve#1', 'order-1:tool:charge#1', 'order-1:step:ship#1']);
      assert.equal((await s.client.describe('order-1')).status, 'completed');
    });

    it('starts idempotently by run id and refuses a conflicting start', async () => {
      const first = await s.client.start(orderAgent, { item: 'desk', cents: 5000 }, { runId: 'order-idem' });
      const second = await s.client.start(orderAgent, { item: 'desk', cents: 5000 }, { runId: 'order-idem' });
      assert.equal(first.created, true);
      assert.equal(second.created, false);
      await second.result({ timeoutMs: 60_000 });
      assert.equal(s.effectsOf('order-idem').filter((e) => e.type === 'reserve').length, 1);
      await assert.rejects(s.client.start(orderAgent, { item: 'chair', cents: 5000 }, { runId: 'order-idem' }), RunConflictError);
    });

    it('rejects invalid agent input with a typed error before any run exists', async () => {
      await assert.rejects(s.client.start(orderAgent, { item: '', cents: -1 } as never, { runId: 'order-bad-input' }), (error: unknown) => {
        assert.ok(error instanceof InputValidationError);
        assert.match(error.message, /agent "order".*item.*cents/);
        return true;
      });
      await assert.rejects(s.client.describe('order-bad-input'), RunNotFoundError);
      assert.equal(s.attemptsOf('order-bad-input').length, 0);
    });

    it('fails an unknown tool and bad tool arguments with typed errors, running nothing for them', async () => {
      for (const [runId, then, kind, pattern] of [
        ['order-unknown-tool', 'unknown-tool', 'unknown-tool', /Unknown tool "refund_everything"\. This agent declares: reserve, charge/],
        ['order-bad-arguments', 'bad-arguments', 'tool-input', /Arguments for tool "charge" are invalid: cents/],
      ] as const) {
        await s.client.start(orderAgent, { item: 'pen', cents: 100, then }, { runId });
        const error = await s.client.result(runId, { timeoutMs: 60_000 }).catch((e: unknown) => e);
        assert.ok(error instanceof RunFailedError, String(error));
        assert.equal(error.error.kind, kind);
        assert.match(error.error.message, pattern);
        // The two completed tools were compensated; the bad call itself reached nobody.
        assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
      }
    });

    it('compensates completed steps in reverse order when the run fails', async () => {
      const run = await s.client.start(orderAgent, { item: 'vase', cents: 900, then: 'fail' }, { runId: 'order-saga' });
      const error = await run.result({ timeoutMs: 60_000 }).then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(error instanceof RunFailedError);
      assert.equal(error.error.kind, 'terminal');
      assert.match(error.error.message, /cannot ship vase/);
      assert.deepEqual(error.compensations.map((c) => [c.stepId, c.status]), [['tool:charge#1', 'compensated'], ['tool:reserve#1', 'compensated']]);
      assert.deepEqual(s.effectsOf('order-saga').map((e) => e.type), ['reserve', 'charge', 'refund', 'release']);
      const journal = await s.client.journal('order-saga');
      assert.deepEqual(journal.slice(2).map((e) => e.stepId), ['compensation:charge#1', 'compensation:reserve#1']);
      assert.equal((await s.client.describe('order-saga')).status, 'failed');
    });

    it('refuses to signal, approve or redrive a run that has ended, and changes nothing', async () => {
      for (const [runId, status] of [['order-1', 'completed'], ['order-saga', 'failed']] as const) {
        const before = await s.client.describe(runId);
        const journal = await s.client.journal(runId);
        for (const steer of [() => s.client.signal(runId, 'poke', {}), () => s.client.approve(runId, 'ship'), () => s.client.redrive(runId)]) {
          await assert.rejects(steer(), (error: unknown) => {
            assert.ok(error instanceof RunEndedError, String(error));
            assert.equal(error.status, status);
            assert.match(error.message, new RegExp(`^Run "${runId}" has ${status}: nothing to (signal "poke"|approve "ship"|redrive)\\.`));
            return true;
          });
        }
        assert.deepEqual(await s.client.describe(runId), before);
        assert.deepEqual(await s.client.journal(runId), journal);
      }
    });

    it('waits for an approval, including one sent before the wait, and reports rejection', async () => {
      const run = await s.client.start(orderAgent, { item: 'rug', cents: 300, then: 'approve' }, { runId: 'order-approve' });
      await s.waitUntilWaiting('order-approve');
      await s.client.approve('order-approve', 'ship', { by: 'dana' });
      assert.equal((await run.result({ timeoutMs: 60_000 })).approvedBy, 'dana');

      await s.client.start(orderAgent, { item: 'mat', cents: 300, then: 'approve' }, { runId: 'order-early' });
      await s.client.approve('order-early', 'ship', { by: 'early' });
      assert.equal((await s.client.result<{ approvedBy: string }>('order-early', { timeoutMs: 60_000 })).approvedBy, 'early');

      await s.client.start(orderAgent, { item: 'cup', cents: 300, then: 'approve' }, { runId: 'order-reject' });
      await s.client.reject('order-reject', 'ship', { by: 'lee' });
      const error = await s.client.result('order-reject', { timeoutMs: 60_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError);
      assert.match(error.message, /shipping was rejected/);

      await assert.rejects(s.client.signal('no-such-run', 'x'), RunNotFoundError);
    });

    it('sleeps durably and keeps now/uuid/random identical on replay', async () => {
      const output = await (await s.client.start(determinismAgent, {}, { runId: 'det-1' })).result({ timeoutMs: 60_000 });
      assert.ok(output.afterSleep - output.now >= 50);
      const journal = await s.client.journal('det-1');
      assert.deepEqual(journal.map((e) => e.stepId), ['now:now#1', 'step:record#1', 'sleep:sleep#1', 'now:now#2']);
      assert.equal(journal[0]!.output, output.now);
      assert.deepEqual(journal[1]!.input, { uuid: output.uuid, random: output.random });
      assert.match(output.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('retries a step of a Promise.all that failed retryably, and runs its sibling once', async () => {
      s.world.failNext(1); // the first of the two ships to reach the world
      const run = await s.client.start(pairShipAgent, { items: ['left', 'right'] }, { runId: 'pair-retry' });
      const output = await run.result({ timeoutMs: 60_000 });
      const effects = s.effectsOf('pair-retry');
      assert.deepEqual(effects.map((e) => e.idempotencyKey).sort(), ['pair-retry:step:ship#1', 'pair-retry:step:ship#2'], 'each ship applied once');
      assert.deepEqual(output.shipped, ['left', 'right'].map((item) => effects.find((e) => (e.payload as { item: string }).item === item)!.id));
      const failed = s.attemptsOf('pair-retry').filter((a) => a.status === 500);
      assert.equal(failed.length, 1);
      const journal = await s.client.journal('pair-retry');
      assert.deepEqual(
        journal.map((e) => [e.position, e.stepId, e.status, e.attempts]),
        [0, 1].map((position) => {
          const stepId = `step:ship#${position + 1}`;
          return [position, stepId, 'completed', failed[0]!.idempotencyKey === `pair-retry:${stepId}` ? 2 : 1];
        }),
      );
    });

    it('dead-letters a step whose retries run out and redrives it at that step', async () => {
      const run = await s.client.start(orderAgent, { item: 'bell', cents: 100, then: 'approve' }, { runId: 'order-dlq' });
      await s.waitUntilWaiting('order-dlq');
      s.world.failNext(3); // the ship step's three attempts (maxAttempts 3) all fail
      await s.client.approve('order-dlq', 'ship');
      const error = await run.result({ timeoutMs: 60_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunDeadLetteredError, String(error));
      assert.equal(error.stepId, 'step:ship#1');
      assert.match(error.message, /World service answered 500/);
      const parked = await s.client.journal('order-dlq');
      assert.deepEqual(parked.map((e) => e.stepId), ['tool:reserve#1', 'tool:charge#1', 'signal:approval:ship#1'], 'the journal is intact');

      await s.client.redrive('order-dlq');
      await run.result({ timeoutMs: 60_000 });
      const journal = await s.client.journal('order-dlq');
      assert.deepEqual(journal.map((e) => e.stepId), [...parked.map((e) => e.stepId), 'step:ship#1']);
      assert.deepEqual(journal.slice(0, 3), parked, 'redrive resumed at the failed step without re-running earlier ones');
      assert.deepEqual(s.effectsOf('order-dlq').map((e) => e.type), ['reserve', 'charge', 'ship']);
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
