import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrantAgent } from './fixtures/agents.ts';
import { createHarness, type Harness } from './harness.ts';

/**
 * The Inngest server gives up on a run by itself when 21 requests of one step fail in a row (no
 * worker answered for that long: here 1 s apart, the harness's retry interval). Ratchet reports it
 * dead-lettered; a redrive continues it in a new Inngest run from its journal.
 */
describe('inngest driver: a run the server failed', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('is redriven from its journal: no completed step or consumed signal is taken again, and the run finishes', async () => {
    const runId = 'server-failed';
    let worker = await h.startWorker({ agents: [migrantAgent], driver: { recheckMs: 30_000 } });
    await h.client.start(migrantAgent, { steps: 1, wait: 'approval', note: true }, { runId });
    await h.client.approve(runId, 'ship', { by: 'ada' });
    // The approval is consumed and journaled; then the run waits for "note" and its worker goes away.
    for (const deadline = Date.now() + 30_000; !(await h.client.journal(runId)).some((e) => e.stepId === 'signal:approval:ship#1') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await worker.stop();
    await h.client.signal(runId, 'note', { n: 1 });
    const failed = await h.client.result(runId, { timeoutMs: 120_000 }).catch((error: unknown) => error);
    assert.equal((await h.client.describe(runId)).status, 'dead-lettered', String(failed));
    const before = await h.client.journal(runId);
    assert.deepEqual(before.map((e) => e.stepId), ['step:echo#1', 'step:slow-echo#1', 'signal:approval:ship#1']);

    worker = await h.startWorker({ agents: [migrantAgent], driver: { recheckMs: 30_000 } });
    await h.client.redrive(runId);
    assert.deepEqual(await h.client.result(runId, { timeoutMs: 60_000 }), { texts: ['FIRST', 'S1', 'LAST'], approvedBy: 'ada', note: { received: true, payload: { n: 1 } } });
    const journal = await h.client.journal(runId);
    assert.deepEqual(journal.slice(0, 3), before, 'the journal before the redrive is carried as it was');
    assert.deepEqual(journal.map((e) => e.stepId), ['step:echo#1', 'step:slow-echo#1', 'signal:approval:ship#1', 'signal:note#1', 'step:echo#2']);
    assert.deepEqual(h.applied.filter((key) => key.startsWith(`${runId}:`)).sort(), [`${runId}:step:echo#1`, `${runId}:step:echo#2`, `${runId}:step:slow-echo#1`], 'each effect applied once');
    const described = await h.client.describe(runId);
    assert.equal(described.status, 'completed');
    assert.equal(described.seededSteps, undefined, 'a redriven run is not a seeded one');
    // A second redrive of a run that finished is refused like any steering of an ended run.
    await assert.rejects(h.client.redrive(runId), /completed/);
  });
});
