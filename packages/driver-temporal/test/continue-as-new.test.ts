// Long agents: a run whose history grows past the threshold continues as new at a step boundary,
// on a real dev server. The threshold is low here (300 events, about 50 ticks a run).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RunConflictError, RunDeadLetteredError, RunFailedError, type JournalEntry } from '@ratchet/core';
import { openai } from '@ratchet/providers';
import { spawnWorker, startModelServer, stopAll } from '@ratchet/testing';
import { Client, Connection } from '@temporalio/client';
import type { RunArgs } from '../src/protocol.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { longCounter, longNoteV1, longNoteV2, longNoteV2Promoted, longSaga, renamedLongCounter } from './fixtures/long-agents.ts';

const continueAsNewAfterEvents = Number(process.env.RATCHET_LONG_AGENT_EVENTS ?? 300);
/** 5,000 by hand (see docs/drivers/temporal.md); fewer by default, at about 50 ms a step. */
const longSteps = Number(process.env.RATCHET_LONG_AGENT_STEPS ?? 300);
/** Enough ticks for two runs. */
const steps = 70;

/** Positions 0..n in order, each step once. */
function assertWhole(journal: JournalEntry[]): void {
  journal.forEach((entry, index) => assert.equal(entry.position, index, `entry ${index} is at position ${entry.position}`));
}

describe('temporal driver, continue-as-new', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ continueAsNewAfterEvents });
  });
  after(async () => {
    await stopAll();
    await h.close();
  });

  const status = async (runId: string) => (await h.client.describe(runId)).status;

  it(`completes a ${longSteps}-step agent over several runs and reads its journal back whole`, async () => {
    const runId = 'long-run';
    const worker = await h.startWorker([longCounter]);
    try {
      const started = Date.now();
      const output = await (await h.client.start(longCounter, { steps: longSteps }, { runId })).result({ timeoutMs: 3_600_000 });
      const elapsed = Date.now() - started;
      assert.deepEqual(output, { ticks: longSteps });
      const journal = await h.client.journal(runId);
      assert.equal(journal.length, longSteps);
      journal.forEach((entry, index) => {
        assert.equal(entry.position, index);
        assert.equal(entry.stepId, `step:tick#${index + 1}`);
        assert.deepEqual(entry.output, { i: index });
      });
      const runs = await h.workflowRuns(runId);
      assert.ok(runs.length >= 3, `${runs.length} workflow runs`);
      assert.deepEqual(runs.flatMap((run) => run.entries.map((entry) => entry.position)), journal.map((entry) => entry.position), 'each step ran in one run only');
      const description = await h.client.describe(runId);
      assert.equal(description.status, 'completed');
      assert.equal(h.world.effectsOfType('tick').length, longSteps);
      assert.equal(h.world.duplicates(), 0);
      // The continued runs still know the run: a second start with the same id finds it.
      assert.equal((await h.client.start(longCounter, { steps: longSteps }, { runId })).created, false);
      await assert.rejects(h.client.start(longCounter, { steps: 1 }, { runId }), RunConflictError);
      const most = (key: 'events' | 'bytes') => Math.max(...runs.map((run) => run[key]));
      console.log(
        `# ${longSteps} steps in ${elapsed} ms over ${runs.length} workflow runs (${description.executions} workflow tasks, ` +
          `${runs.reduce((sum, run) => sum + run.events, 0)} history events in all; the longest history ${most('events')} events, the largest ${most('bytes')} bytes)`,
      );
    } finally {
      await worker.stop();
    }
  });

  it('carries a signal sent before a continue-as-new to the run that consumes it', async () => {
    const runId = 'long-signal';
    await h.client.start(longCounter, { steps, thenWaitFor: 'go' }, { runId });
    // Sent before any worker took the run: the chain's first workflow run receives it.
    await h.client.signal(runId, 'go', { note: 'sent early' });
    const worker = await h.startWorker([longCounter]);
    try {
      assert.deepEqual(await h.client.result(runId, { timeoutMs: 300_000 }), { ticks: steps, signal: { note: 'sent early' } });
      assert.ok((await h.workflowRuns(runId)).length >= 2);
      const journal = await h.client.journal(runId);
      assertWhole(journal);
      assert.equal(journal.length, steps + 1);
      assert.deepEqual([journal[steps]!.stepId, journal[steps]!.output], ['signal:go#1', { received: true, payload: { note: 'sent early' } }]);
    } finally {
      await worker.stop();
    }
  });

  it('carries the budget, the pinned prompt version and the compensation stack across a continue-as-new', async () => {
    const runId = 'long-saga';
    const models = await startModelServer();
    models.script({ match: { model: 'gpt-long' }, text: 'noted', usage: { inputTokens: 40, outputTokens: 60 }, times: Infinity });
    const providers = [openai({ apiKey: 'test-key', baseURL: models.openaiBaseURL })];
    let worker = await h.startWorker([longSaga], { providers, prompts: [longNoteV1, longNoteV2] });
    try {
      await h.client.start(longSaga, { steps }, { runId });
      await waitFor(async () => (await status(runId)) === 'waiting', 300_000);
      assert.ok((await h.workflowRuns(runId)).length >= 2, 'the run continued as new before the second completion');
      await worker.stop();
      // A later deploy promotes v2 to production; the run keeps the version it pinned (v1).
      worker = await h.startWorker([longSaga], { providers, prompts: [longNoteV2Promoted] });
      await h.client.signal(runId, 'go', {});

      const error = await h.client.result(runId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.equal(error.error.kind, 'budget-exceeded');
      assert.match(error.error.message, /Budget exceeded at llm:note#2: maxTotalTokens/);
      assert.equal(models.countFor({ model: 'gpt-long' }), 1, 'the second completion was never sent');
      assert.deepEqual(error.compensations.map((c) => [c.stepId, c.status]), [['step:hold#1', 'compensated']]);
      assert.deepEqual([h.world.effectsOfType('hold').length, h.world.effectsOfType('release').length], [1, 1]);

      const journal = await h.client.journal(runId);
      assertWhole(journal);
      assert.deepEqual(journal.filter((e) => e.kind !== 'step' || e.name !== 'tick').map((e) => [e.stepId, e.status]), [
        ['prompt:long-note#1', 'completed'],
        ['llm:note#1', 'completed'],
        ['step:hold#1', 'completed'],
        ['signal:go#1', 'completed'],
        ['llm:note#2', 'failed'],
        ['compensation:hold#1', 'completed'],
      ]);
      const [, second] = journal.filter((e) => e.kind === 'llm');
      assert.deepEqual((second!.input as { prompt: unknown }).prompt, { name: 'long-note', version: longNoteV1.version });
      assert.notEqual(longNoteV1.version, longNoteV2.version);
    } finally {
      await worker.stop();
      await models.close();
    }
  });

  it('redrives a step parked after a continue-as-new', async () => {
    const runId = 'long-parked';
    const worker = await h.startWorker([longCounter]);
    try {
      await h.client.start(longCounter, { steps, thenWaitFor: 'go', thenFlaky: true }, { runId });
      await waitFor(async () => (await status(runId)) === 'waiting', 300_000);
      h.world.failNext(1);
      await h.client.signal(runId, 'go', 'now');
      await waitFor(async () => (await status(runId)) === 'dead-lettered');
      assert.ok((await h.workflowRuns(runId)).length >= 2);

      await h.client.redrive(runId);
      assert.deepEqual(await h.client.result(runId, { timeoutMs: 60_000 }), { ticks: steps, signal: 'now' });
      const journal = await h.client.journal(runId);
      assertWhole(journal);
      assert.deepEqual(journal.slice(steps).map((e) => [e.stepId, e.status]), [['signal:go#1', 'completed'], ['step:flaky#1', 'completed']]);
      assert.equal(h.world.effectsOfType('flaky').length, 1);
    } finally {
      await worker.stop();
    }
  });

  it('resumes after the worker is killed around a continue-as-new, applying no effect twice', async () => {
    // Where the first run ends, learned from a run of the same agent with nothing killed.
    const probe = await h.startWorker([longCounter]);
    let boundary: number;
    try {
      await (await h.client.start(longCounter, { steps }, { runId: 'long-probe' })).result({ timeoutMs: 300_000 });
      boundary = (await h.workflowRuns('long-probe'))[0]!.entries.length;
    } finally {
      await probe.stop();
    }

    const runId = 'long-killed';
    // The worker kills itself right after the effect of the last tick of the first run, then of the
    // first tick of the second: each time the effect is applied and the step not yet journaled.
    const workerEntry = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
    const spawn = () =>
      spawnWorker(workerEntry, {
        env: { RATCHET_DRIVER_OPTIONS: JSON.stringify(h.driverOptions), WORLD_URL: h.world.url, KILL_AFTER_TICKS: JSON.stringify([boundary - 1, boundary]) },
      });
    await h.client.start(longCounter, { steps }, { runId });
    for (let kill = 0; kill < 2; kill++) {
      const worker = spawn();
      await worker.waitForOutput(/worker ready/, 120_000);
      assert.equal((await worker.exited).signal, 'SIGKILL');
    }
    const last = spawn();
    await last.waitForOutput(/worker ready/, 120_000);
    assert.deepEqual(await h.client.result(runId, { timeoutMs: 300_000 }), { ticks: steps });
    await last.kill();

    const journal = await h.client.journal(runId);
    assertWhole(journal);
    assert.equal(journal.length, steps);
    assert.ok((await h.workflowRuns(runId)).length >= 2);
    // Each tick applied once; only the two killed ones were attempted twice (the retry found the effect).
    const attempts = new Map<string, number>();
    for (const attempt of h.world.attempts) {
      if (attempt.idempotencyKey?.startsWith(`${runId}:`)) attempts.set(attempt.idempotencyKey, (attempts.get(attempt.idempotencyKey) ?? 0) + 1);
    }
    assert.equal(h.world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).length, steps);
    assert.deepEqual(
      [...attempts].filter(([, count]) => count > 1),
      [[`${runId}:step:tick#${boundary}`, 2], [`${runId}:step:tick#${boundary + 1}`, 2]],
    );
  });

  it('dead-letters a continued run whose code no longer matches the journal it carries, and redrives it', async () => {
    const runId = 'long-diverged';
    const original = await h.startWorker([longCounter]);
    let firstRun: string;
    try {
      await (await h.client.start(longCounter, { steps: 3 }, { runId })).result({ timeoutMs: 60_000 });
      firstRun = (await h.workflowRuns(runId))[0]!.runId;
    } finally {
      await original.stop();
    }
    // What a continue-as-new landing on a worker with incompatible code looks like: a run that
    // carries on from the one before, started here by hand on the same workflow id.
    const temporal = new Client({ connection: await Connection.connect({ address: h.server.address }) });
    const renamed = await h.startWorker([renamedLongCounter]);
    try {
      await temporal.workflow.start('long-counter', {
        workflowId: runId,
        taskQueue: 'ratchet-test',
        args: [{ input: { steps: 4 }, seed: runId, continued: { runs: [firstRun], signals: [] } } satisfies RunArgs],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      const error = await h.client.result(runId, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunDeadLetteredError, String(error));
      assert.match(error.message, /step 0: the journal has "step:tick#1" but the agent asked for "step:tock#1"/);
    } finally {
      await renamed.stop();
    }

    const fixed = await h.startWorker([longCounter]);
    try {
      await h.client.redrive(runId);
      assert.deepEqual(await h.client.result(runId, { timeoutMs: 60_000 }), { ticks: 4 });
      const journal = await h.client.journal(runId);
      assertWhole(journal);
      assert.deepEqual(journal.map((e) => e.stepId), ['step:tick#1', 'step:tick#2', 'step:tick#3', 'step:tick#4']);
      assert.equal(h.world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).length, 4);
      assert.equal(h.world.effectsOfType('tock').length, 0);
    } finally {
      await fixed.stop();
      await temporal.connection.close();
    }
  });
});
