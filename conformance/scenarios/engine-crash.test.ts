import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { stopAll } from '@ratchet/testing';
import { enduringAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

// The engine's own server SIGKILLed mid-run and started again on its data: with the workers still
// up (a server crash), and with everything killed at once (a machine that lost power).
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: engine server kill -9`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(() => s.close());

    /** Two runs past their tool and completion, both in their sleep. */
    const startSleepers = async (prefix: string) => {
      const runIds = [`${prefix}-a`, `${prefix}-b`];
      for (const runId of runIds) await s.client.start(enduringAgent, { item: runId }, { runId });
      const sleeping = async (runId: string) => (await s.client.journal(runId)).some((entry) => entry.stepId === 'llm:note#1' && entry.status === 'completed');
      await s.waitFor(async () => (await Promise.all(runIds.map(sleeping))).every(Boolean), 120_000);
      return runIds;
    };

    /** Each run finished, each effect applied once, each completion asked once. */
    const assertFinishedOnce = async (runIds: string[]) => {
      for (const runId of runIds) {
        const output = await s.client.result<{ shipped: string; note: string }>(runId, { timeoutMs: 120_000 });
        assert.deepEqual(s.effectsOf(runId).map((effect) => effect.type), ['reserve', 'ship']);
        assert.equal(output.shipped, s.effectsOf(runId)[1]!.id);
        assert.equal(s.modelRequestsFor(`(run ${runId})`).length, 1, `${runId}: the completion was not asked again`);
        const journal = await s.client.journal(runId);
        assert.deepEqual(journal.map((entry) => [entry.stepId, entry.status]), [
          ['tool:reserve#1', 'completed'],
          ['llm:note#1', 'completed'],
          ['sleep:sleep#1', 'completed'],
          ['step:ship#1', 'completed'],
        ]);
      }
    };

    it('finishes runs across a SIGKILL of the engine server and a restart on its data, with the workers up', async () => {
      await s.spawnWorker();
      const runIds = await startSleepers('engine-crash');
      await s.engine.restartEngine();
      await assertFinishedOnce(runIds);
    });

    it('finishes runs when the engine server and every worker are killed at once, then started again', async () => {
      const worker = await s.spawnWorker();
      const runIds = await startSleepers('power-loss');
      await Promise.all([worker.kill(), s.engine.restartEngine()]);
      await s.spawnWorker();
      await assertFinishedOnce(runIds);
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
