// What is particular to Temporal, on a real dev server. The behaviour every driver shares (and the
// SIGKILL scenarios) is proven by the conformance suite: RATCHET_DRIVERS=temporal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, RunDeadLetteredError, RunEndedError, RunFailedError, createClient } from '@ratchet/core';
import { createWorker } from '@ratchet/core/worker';
import { createDriverFromConfig } from '@ratchet/core/config';
import { startWorldService } from '@ratchet/testing';
import { startTemporalServer, temporalDriver } from '../src/index.ts';
import { approvedOrder, reorderedApprovedOrder, reporter } from './fixtures/agents.ts';
import { implementations } from './fixtures/implementations.ts';
import { createHarness, testDriverOptions, waitFor, type Harness } from './harness.ts';

describe('temporal driver options', () => {
  it('rejects an unknown option, naming it and the valid ones', async () => {
    await assert.rejects(createDriverFromConfig({ driver: 'temporal', temporal: { adress: 'localhost:7233' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /unknown option adress\. Valid options: address, namespace, taskQueue, agentModules/);
      return true;
    });
  });

  it('refuses to start a worker without the modules that declare its agents', async () => {
    const driver = temporalDriver({ address: '127.0.0.1:1' });
    await assert.rejects(createWorker(driver, { agents: [approvedOrder] }), /needs agentModules/);
  });
});

describe('temporal driver', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('reports a run no worker has taken as pending, then a wait as waiting', async () => {
    await h.client.start(approvedOrder, { item: 'lamp' }, { runId: 'pending-1' });
    assert.equal((await h.client.describe('pending-1')).status, 'pending');
    const worker = await h.startWorker();
    try {
      await waitFor(async () => (await h.client.describe('pending-1')).status === 'waiting');
      await h.client.approve('pending-1', 'ship');
      await h.client.result('pending-1', { timeoutMs: 30_000 });
      // An ended run refuses a signal the same way on every driver, before Temporal is asked.
      await assert.rejects(h.client.signal('pending-1', 'late', { ignored: true }), RunEndedError);
      assert.ok((await h.client.listRuns()).some((run) => run.runId === 'pending-1' && run.status === 'completed'));
    } finally {
      await worker.stop();
    }
  });

  it('redrives a run stopped by nondeterminism once compatible code is deployed again', async () => {
    const runId = 'nd-redrive';
    const original = await h.startWorker([approvedOrder]);
    await h.client.start(approvedOrder, { item: 'box' }, { runId });
    await waitFor(async () => (await h.client.describe(runId)).status === 'waiting');
    await original.stop();

    const reordered = await h.startWorker([reorderedApprovedOrder]);
    await h.client.approve(runId, 'ship', { by: 'ops' });
    const error = await h.client.result(runId, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.match(error.message, /step 0: the journal has "step:reserve#1" but the agent asked for "step:charge#1"/);
    assert.equal((await h.client.describe(runId)).status, 'dead-lettered');
    await reordered.stop();

    const fixed = await h.startWorker([approvedOrder]);
    try {
      await h.client.redrive(runId);
      await h.client.result(runId, { timeoutMs: 30_000 });
      const journal = await h.client.journal(runId);
      assert.deepEqual(journal.map((e) => e.stepId), ['step:reserve#1', 'step:charge#1', 'signal:approval:ship#1', 'step:ship#1']);
      // The approval sent before the reset was re-applied; nothing ran twice.
      assert.deepEqual(journal[2]!.output, { received: true, payload: { approved: true, by: 'ops' } });
      assert.deepEqual(h.world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).map((e) => e.type), ['reserve', 'charge', 'ship']);
    } finally {
      await fixed.stop();
    }
  });

  it('fails a step whose output is over the payload limit with an error naming the step and the limit', async () => {
    const worker = await h.startWorker([reporter]);
    try {
      const error = await (await h.client.start(reporter, { bytes: 3 * 1024 * 1024 }, { runId: 'too-large' }))
        .result({ timeoutMs: 30_000 })
        .catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.equal(error.error.kind, 'payload-too-large');
      assert.match(error.error.message, /output of step "step:report#1" is \d+ bytes, over Temporal's limit of 2097152 bytes/);
      const [entry] = await h.client.journal('too-large');
      assert.deepEqual([entry!.stepId, entry!.status, entry!.attempts], ['step:report#1', 'failed', 1]);
    } finally {
      await worker.stop();
    }
  });
});

describe('temporal driver, the server killed with SIGKILL', () => {
  it('keeps a waiting run across a server restart on the same database and finishes it once', async () => {
    const world = await startWorldService();
    let server = await startTemporalServer();
    const { dbFile } = server;
    const port = Number(server.address.split(':')[1]);
    try {
      const driver = temporalDriver(testDriverOptions(server));
      const client = await createClient(driver);
      const worker = await createWorker(driver, { agents: [approvedOrder], implementations: implementations(world.url) });
      await worker.start();
      await client.start(approvedOrder, { item: 'rug' }, { runId: 'server-kill' });
      await waitFor(async () => (await client.describe('server-kill')).status === 'waiting');
      await server.stop('SIGKILL');

      server = await startTemporalServer({ port, dbFile });
      await client.approve('server-kill', 'ship');
      await client.result('server-kill', { timeoutMs: 60_000 });
      assert.deepEqual(world.effects.map((e) => e.type), ['reserve', 'charge', 'ship']);
      assert.equal(world.duplicates(), 0);
      await worker.stop();
      await client.close();
    } finally {
      await server.stop();
      await world.close();
    }
  });
});
