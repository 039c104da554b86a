import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { PayloadKeyError, type RatchetClient } from '@ratchet/core';
import { stopAll } from '@ratchet/testing';
import { confidentialAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

const key = () => randomBytes(32).toString('hex');
/** Whether the run waits; false while this client cannot see it yet (Inngest indexes a start event sent by another client a moment later). */
const waiting = (client: RatchetClient, runId: string) => client.describe(runId).then((run) => run.status === 'waiting', () => false);
// The same on every driver, so their journals agree; each engine's storage is searched on its own.
const secret = 'sealed-secret-5e1f0c';
const approver = 'sealed-approver-93b7d2';
const clear = 'clear-input-0a4c61';
const rotatedSecret = 'rotated-secret-c28e4b';

// Payloads sealed with the driver's `codec` (AES-256-GCM under named keys): the engine's own
// storage holds none of them in clear, keys rotate, and a worker without a run's key leaves the run
// to one that has it.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: sealed payloads`, () => {
    const k1 = key();
    const k2 = key();
    const rotated = { current: 'k2', keys: { k1, k2 } };
    let s: Scenario;
    let sealed: RatchetClient;
    let plain: RatchetClient;
    before(async () => {
      s = await Scenario.open(driver, undefined, { clientOptions: { codec: rotated } });
      sealed = s.client;
      plain = await s.clientWith({});
    });
    afterEach(() => stopAll());
    after(async () => {
      await plain.close();
      await s.close();
    });

    it('keeps every payload out of the engine\'s storage, and reads it back in clear', async () => {
      await s.spawnWorker({ driverOptions: { codec: rotated } });
      // The control: a run started by a client with no codec has its input in clear, which the search must find.
      await plain.start(confidentialAgent, { secret: clear }, { runId: 'sealed-control' });
      await sealed.start(confidentialAgent, { secret }, { runId: 'sealed-run' });
      for (const runId of ['sealed-control', 'sealed-run']) {
        await s.waitFor(() => waiting(sealed, runId), 120_000);
        await sealed.approve(runId, 'release', { by: approver });
      }
      const output = await sealed.result<{ shipped: string; note: string; approvedBy: string }>('sealed-run', { timeoutMs: 120_000 });
      assert.match(output.note, new RegExp(secret));
      assert.equal(output.approvedBy, approver);
      await sealed.result('sealed-control', { timeoutMs: 120_000 });

      const journal = await sealed.journal('sealed-run');
      assert.deepEqual(journal.find((entry) => entry.stepId === 'tool:reserve#1')?.input, { item: secret });
      assert.match((journal.find((entry) => entry.stepId === 'llm:note#1')?.output as { text: string }).text, new RegExp(secret));
      assert.equal(journal.find((entry) => entry.stepId === 'llm:note#1')?.completion?.model, 'gpt-plain');
      assert.deepEqual((await sealed.runStart('sealed-run')).input, { secret });

      const stored = await s.engine.storedText();
      assert.ok(stored.includes(clear), 'the search finds a payload stored in clear (the control run\'s input)');
      assert.ok(!stored.includes(secret), 'the sealed run\'s input, tool arguments, completion and output are not in the engine\'s storage');
      assert.ok(!stored.includes(approver), 'the approval\'s payload is not in the engine\'s storage');
      assert.ok(!stored.includes(k1) && !stored.includes(k2), 'no key is in the engine\'s storage');

      // Its exported document is sealed as well, and imports back where the key is held.
      const document = JSON.stringify(await sealed.export('sealed-run'));
      assert.ok(!document.includes(secret), 'the exported document holds no payload in clear');
      await assert.rejects(plain.journal('sealed-run'), (error: unknown) => error instanceof PayloadKeyError && error.keyId === 'k2' && error.problem === 'no-codec');
    });

    it('opens runs sealed with an older key, and leaves a run to a worker with its key', async () => {
      const old = await s.clientWith({ codec: { current: 'k1', keys: { k1 } } });
      try {
        await s.spawnWorker({ driverOptions: { codec: rotated } });
        await old.start(confidentialAgent, { secret: rotatedSecret }, { runId: 'rotated-run' });
        await s.waitFor(() => waiting(sealed, 'rotated-run'), 120_000);
        await stopAll();
        // Steps journaled by the rotated worker are sealed with k2, which the old client does not hold.
        await assert.rejects(old.journal('rotated-run'), (error: unknown) => error instanceof PayloadKeyError && error.keyId === 'k2' && error.problem === 'unknown-key');
        await sealed.approve('rotated-run', 'release', { by: 'dana' });

        // A worker that holds only k2 cannot open the run's input (k1): it says so, and the run does not fail.
        const keyless = await s.spawnWorker({ driverOptions: { codec: { current: 'k2', keys: { k2 } } } });
        await keyless.waitForOutput(/PayloadKeyError|sealed with key "k1"/, 120_000);
        assert.match(keyless.output(), /key "k1"/);
        assert.notEqual((await sealed.describe('rotated-run')).status, 'failed');
        assert.notEqual((await sealed.describe('rotated-run')).status, 'completed');
        await stopAll();

        await s.spawnWorker({ driverOptions: { codec: rotated } });
        const output = await sealed.result<{ shipped: string; approvedBy: string }>('rotated-run', { timeoutMs: 120_000 });
        assert.equal(output.approvedBy, 'dana');
        assert.deepEqual(s.effectsOf('rotated-run').map((effect) => effect.type), ['reserve', 'ship'], 'each effect applied once');
        assert.equal(s.modelRequestsFor('(run rotated-run)').length, 1, 'the completion was asked once');
        assert.ok(!(await s.engine.storedText()).includes(rotatedSecret));
      } finally {
        await old.close();
      }
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
