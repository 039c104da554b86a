// Migration and import on a real dev server: a run asked to migrate stops at a safe point and reads
// back as migrated; a run seeded with its journal carries on from there. The moves between engines
// are proven in conformance/scenarios/migration.test.ts; these seed a new run id on the same server
// (only the run id differs), and stop runs where only Temporal's mechanics can go wrong.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  RunDeadLetteredError,
  RunMigratedError,
  RunNotFoundError,
  digest,
  type JournalEntry,
  type RunDescription,
  type SeededJournal,
} from '@ratchet/core';
import { spawnWorker, stopAll } from '@ratchet/testing';
import { Client, Connection } from '@temporalio/client';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { longCounter } from './fixtures/long-agents.ts';
import { migrant } from './fixtures/migration-agents.ts';

/** Positions 0..n in order, each step once. */
function assertWhole(journal: JournalEntry[]): void {
  journal.forEach((entry, index) => assert.equal(entry.position, index, `entry ${index} is at position ${entry.position}`));
}

describe('temporal driver, migration and import', () => {
  let h: Harness;
  let temporal: Client;
  before(async () => {
    // A low continue-as-new threshold (about 50 ticks a run), for the seeded run that continues as new.
    h = await createHarness({ continueAsNewAfterEvents: 300 });
    temporal = new Client({ connection: await Connection.connect({ address: h.server.address }) });
  });
  after(async () => {
    await stopAll();
    await temporal.connection.close();
    await h.close();
  });

  const describeRun = (runId: string) => h.client.describe(runId);
  const status = async (runId: string) => (await describeRun(runId)).status;
  const keyed = (runId: string, type?: string) => h.world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`) && (type === undefined || e.type === type));
  const events = async (runId: string) => (await temporal.workflow.getHandle(runId).fetchHistory()).events ?? [];
  const has = async (runId: string, stepId: string) => (await h.client.journal(runId)).some((entry) => entry.stepId === stepId);

  async function withWorker<T>(work: () => Promise<T>): Promise<T> {
    const worker = await h.startWorker([migrant, longCounter]);
    try {
      return await work();
    } finally {
      await worker.stop();
    }
  }

  /** Asks the run to migrate and waits until it has stopped. */
  async function stop(runId: string, to = 'restate'): Promise<RunDescription> {
    await h.client.requestMigration(runId, to);
    const stopped = await h.client.settled(runId, 60_000);
    assert.equal(stopped.status, 'migrated', `${runId} stopped as ${stopped.status}`);
    return stopped;
  }

  /** What a migration hands over: the journal, the signals not consumed and the open wait. */
  async function seedOf(runId: string): Promise<SeededJournal> {
    const [run, entries] = await Promise.all([describeRun(runId), h.client.journal(runId)]);
    const { signals, openWait } = run.migration!;
    return { entries, signals, ...(openWait ? { openWait } : {}) };
  }

  /** A new run id continuing the stopped run's journal, as an import would. */
  async function seedFrom(source: string, target: string, agent = migrant.name) {
    return h.client.startSeeded(target, agent, await h.client.runStart(source), await seedOf(source));
  }

  it('reads back how a run was started, and refuses an unknown run', async () => {
    await h.client.start(migrant, { item: 'lamp', wait: 'none' }, { runId: 'mg-start', budget: { maxTotalTokens: 500 } });
    assert.deepEqual(await h.client.runStart('mg-start'), {
      input: { item: 'lamp', ticks: 0, wait: 'none', sleepMs: 4_000 },
      inputDigest: digest({ item: 'lamp', ticks: 0, wait: 'none', sleepMs: 4_000 }),
      seed: 'mg-start',
      options: { budget: { maxTotalTokens: 500 } },
    });
    await assert.rejects(h.client.runStart('mg-nobody'), RunNotFoundError);
    await assert.rejects(h.client.requestMigration('mg-nobody', 'restate'), RunNotFoundError);
  });

  it('stops a run in an approval wait with its pending signal, refuses later signals, and continues it seeded under a new run id', async () => {
    const source = 'mg-src';
    const target = 'mg-dst';
    await withWorker(async () => {
      await h.client.start(migrant, { item: 'desk', ticks: 1 }, { runId: source });
      await waitFor(async () => (await status(source)) === 'waiting');
      await h.client.signal(source, 'go', { n: 1 });
      await waitFor(async () => (await has(source, 'signal:go#1')) && (await status(source)) === 'waiting');
      // Sent while the run waits on the approval: buffered, not consumed.
      await h.client.signal(source, 'memo', { note: 'early' });
      const requestedAt = Date.now();
      const stopped = await stop(source);

      const record = stopped.migration!;
      assert.equal(record.to, 'restate');
      assert.deepEqual(record.signals, [{ name: 'memo', payload: { note: 'early' } }]);
      assert.deepEqual(record.openWait, { position: 4, stepId: 'signal:approval:ship#1', kind: 'signal' }, 'an approval with no timeout has no deadline');
      assert.ok(record.stoppedAt >= requestedAt - 1_000 && record.stoppedAt <= Date.now(), 'stoppedAt is the workflow time it stopped at');
      const journal = await h.client.journal(source);
      assert.deepEqual(journal.map((e) => e.stepId), ['step:reserve#1', 'now:now#1', 'step:tick#1', 'signal:go#1']);

      // Over here: signals and a redrive are refused and store nothing, a second request changes nothing.
      await assert.rejects(h.client.approve(source, 'ship', { by: 'too-late' }), (error: unknown) => error instanceof RunMigratedError && error.to === 'restate');
      await h.client.requestMigration(source, 'inngest');
      await assert.rejects(h.client.redrive(source), RunMigratedError);
      await assert.rejects(h.client.result(source), RunMigratedError);
      const again = await describeRun(source);
      assert.equal(again.status, 'migrated');
      assert.deepEqual(again.migration, record);
      assert.deepEqual(await h.client.journal(source), journal);
      assert.ok((await h.client.listRuns()).some((run) => run.runId === source && run.status === 'migrated'));

      const started = await seedFrom(source, target);
      assert.equal(started.created, true);
      await waitFor(async () => (await status(target)) === 'waiting');
      assert.equal((await seedFrom(source, target)).created, false, 'a seeded start is idempotent by run id');
      await h.client.approve(target, 'ship', { by: 'dana' });
      const output = await started.result({ timeoutMs: 60_000 });
      assert.deepEqual(output, { startedAt: journal[1]!.output, ticks: 1, go: { n: 1 }, approvedBy: 'dana', memo: { note: 'early' }, shipped: keyed(target, 'ship')[0]!.id });

      const continued = await h.client.journal(target);
      assertWhole(continued);
      assert.deepEqual(continued.slice(0, journal.length), journal, 'the seeded entries read back as given, once');
      assert.deepEqual(continued.slice(journal.length).map((e) => e.stepId), ['signal:approval:ship#1', 'signal:memo#1', 'step:ship#1']);
      // Nothing journaled ran again; the new run's effects carry its own run id.
      assert.deepEqual([keyed(source).map((e) => e.type), keyed(target).map((e) => e.type)], [['reserve', 'tick'], ['ship']]);
      assert.deepEqual(await h.client.runStart(target), await h.client.runStart(source));
      assert.deepEqual([(await describeRun(source)).seededSteps, (await describeRun(target)).seededSteps], [undefined, journal.length]);
    });
  });

  it('stops a run in a sleep with its deadline, and the seeded run sleeps only what is left', async () => {
    const source = 'mg-sleep-src';
    await withWorker(async () => {
      await h.client.start(migrant, { item: 'clock', wait: 'sleep', sleepMs: 4_000 }, { runId: source });
      await waitFor(async () => (await status(source)) === 'waiting');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const record = (await stop(source)).migration!;
      const wait = record.openWait!;
      assert.deepEqual([wait.position, wait.stepId, wait.kind], [2, 'sleep:sleep#1', 'sleep']);
      assert.ok(wait.deadline! > record.stoppedAt + 1_000 && wait.deadline! <= record.stoppedAt + 2_600, `deadline ${wait.deadline} vs stopped ${record.stoppedAt}`);

      await (await seedFrom(source, 'mg-sleep-dst')).result({ timeoutMs: 60_000 });
      const journal = await h.client.journal('mg-sleep-dst');
      assert.deepEqual(journal.map((e) => e.stepId), ['step:reserve#1', 'now:now#1', 'sleep:sleep#1', 'step:ship#1']);
      const ship = journal[3]!;
      assert.ok(ship.startedAt >= wait.deadline! - 50, `the sleep did not end early (${ship.startedAt} vs ${wait.deadline})`);
      assert.ok(ship.startedAt < record.stoppedAt + 4_000, 'the sleep did not start over');
    });
  });

  it('dead-letters a seeded run whose code does not match the seeded prefix, before running anything', async () => {
    const start = await h.client.runStart('mg-src');
    const { entries } = await seedOf('mg-src');
    const changed = entries.map((entry) => (entry.position === 0 ? { ...entry, stepId: 'step:charge#1' } : entry));
    await withWorker(async () => {
      const run = await h.client.startSeeded('mg-diverged', migrant.name, start, { entries: changed, signals: [] });
      await assert.rejects(run.result({ timeoutMs: 60_000 }), (error: unknown) => {
        assert.ok(error instanceof RunDeadLetteredError, String(error));
        assert.match(error.message, /the journal has "step:charge#1" but the agent asked for "step:reserve#1"/);
        return true;
      });
    });
    assert.deepEqual(keyed('mg-diverged'), []);
  });

  it('stops a run at a step boundary while it runs steps: no step is cut, and the seeded run runs the rest once', async () => {
    const source = 'mg-steps-src';
    const target = 'mg-steps-dst';
    await withWorker(async () => {
      const requested = new Promise<void>((resolve, reject) => {
        const off = h.world.on('effect', (effect) => {
          if (effect.idempotencyKey !== `${source}:step:tick#3`) return;
          off();
          h.client.requestMigration(source, 'inngest').then(resolve, reject);
        });
      });
      await h.client.start(migrant, { item: 'ream', ticks: 30, wait: 'none' }, { runId: source });
      await requested;
      const record = (await stop(source, 'inngest')).migration!;
      assert.equal(record.openWait, undefined, 'it stopped between steps');
      const journal = await h.client.journal(source);
      assertWhole(journal);
      const ticks = journal.filter((e) => e.name === 'tick').length;
      assert.ok(ticks >= 3 && ticks < 30, `${ticks} ticks ran before the stop`);
      assert.equal(keyed(source, 'tick').length, ticks, 'every tick applied was journaled');

      await (await seedFrom(source, target)).result({ timeoutMs: 120_000 });
      assertWhole(await h.client.journal(target));
      assert.equal(keyed(target, 'tick').length, 30 - ticks);
      assert.deepEqual([keyed(source, 'reserve').length, keyed(target, 'reserve').length, keyed(target, 'ship').length], [1, 0, 1]);
    });
  });

  it('stops a run waiting out a retry backoff at once, and the seeded run runs that step afresh', async () => {
    const source = 'mg-backoff-src';
    await withWorker(async () => {
      // The step after reserve fails once, and its next attempt is a minute away.
      const off = h.world.on('effect', (effect) => {
        if (effect.idempotencyKey === `${source}:step:reserve#1`) h.world.failNext(1);
      });
      await h.client.start(migrant, { item: 'kettle', before: 'patient', wait: 'none' }, { runId: source });
      await waitFor(async () => h.world.attempts.some((a) => a.idempotencyKey === `${source}:step:patient#1` && a.status === 500));
      off();
      const requestedAt = Date.now();
      const record = (await stop(source)).migration!;
      assert.ok(Date.now() - requestedAt < 20_000, 'it did not wait for the next attempt');
      assert.equal(record.openWait, undefined);
      assert.deepEqual((await h.client.journal(source)).map((e) => e.stepId), ['step:reserve#1', 'now:now#1']);
      assert.equal(keyed(source, 'patient').length, 0);
      assert.ok((await events(source)).some((e) => e.activityTaskCanceledEventAttributes), 'the activity was cancelled between attempts');

      await (await seedFrom(source, 'mg-backoff-dst')).result({ timeoutMs: 60_000 });
      assert.equal(keyed('mg-backoff-dst', 'patient').length, 1);
    });
  });

  it('lets an attempt that is running finish (longer than the heartbeat timeout) and journals it before stopping', async () => {
    const source = 'mg-slow';
    await withWorker(async () => {
      await h.client.start(migrant, { item: 'anvil', before: 'slow', wait: 'none' }, { runId: source });
      // The slow step's attempt has started on the worker.
      await waitFor(async () => {
        const { raw } = await temporal.workflow.getHandle(source).describe();
        // 2 is PENDING_ACTIVITY_STATE_STARTED.
        return raw.pendingActivities?.some((a) => a.activityId === 'step:slow#1' && Number(a.state) === 2) ?? false;
      });
      const record = (await stop(source)).migration!;
      assert.equal(record.openWait, undefined);
      const journal = await h.client.journal(source);
      assert.deepEqual(journal.map((e) => [e.stepId, e.status, e.attempts]), [
        ['step:reserve#1', 'completed', 1],
        ['now:now#1', 'completed', 1],
        ['step:slow#1', 'completed', 1],
      ]);
      assert.equal(keyed(source, 'slow').length, 1);
      assert.equal(keyed(source, 'ship').length, 0, 'it stopped before the next step');
      assert.ok((await events(source)).some((e) => e.activityTaskCancelRequestedEventAttributes), 'the running attempt was asked to cancel, and finished');
    });
  });

  it('leaves a dead-lettered run and a completed run as they are', async () => {
    await withWorker(async () => {
      h.world.failNext(1);
      await h.client.start(longCounter, { steps: 0, thenFlaky: true }, { runId: 'mg-parked' });
      await waitFor(async () => (await status('mg-parked')) === 'dead-lettered');
      await h.client.requestMigration('mg-parked', 'restate');
      await h.client.redrive('mg-parked');
      assert.deepEqual(await h.client.result('mg-parked', { timeoutMs: 60_000 }), { ticks: 0 });

      await h.client.requestMigration('mg-parked', 'restate');
      assert.equal(await status('mg-parked'), 'completed');
    });
  });

  it('continues a seeded run as new without losing or repeating the seeded prefix or its signals', async () => {
    const source = 'mg-long-src';
    const target = 'mg-long-dst';
    const steps = 120;
    await h.client.start(longCounter, { steps, thenWaitFor: 'go' }, { runId: source });
    // Received long before the run waits for it: still pending when the run stops.
    await h.client.signal(source, 'go', { note: 'early' });
    await withWorker(async () => {
      const requested = new Promise<void>((resolve, reject) => {
        const off = h.world.on('effect', (effect) => {
          if (effect.idempotencyKey !== `${source}:step:tick#10`) return;
          off();
          h.client.requestMigration(source, 'restate').then(resolve, reject);
        });
      });
      await requested;
      const record = (await stop(source)).migration!;
      assert.deepEqual(record.signals, [{ name: 'go', payload: { note: 'early' } }]);
      const carried = await h.client.journal(source);

      const run = await seedFrom(source, target, longCounter.name);
      assert.deepEqual(await run.result({ timeoutMs: 300_000 }), { ticks: steps, signal: { note: 'early' } });
      const journal = await h.client.journal(target);
      assertWhole(journal);
      assert.equal(journal.length, steps + 1);
      assert.deepEqual(journal.slice(0, carried.length), carried);
      assert.ok((await h.workflowRuns(target)).length >= 2, 'the seeded run continued as new');
      assert.equal((await describeRun(target)).seededSteps, carried.length);
      assert.equal(keyed(source, 'tick').length + keyed(target, 'tick').length, steps, 'each tick applied once');
      assert.equal(keyed(target, 'tick').length, steps - carried.length);
    });
  });

  it('refuses a seeded journal over the payload limit before anything starts', async () => {
    const start = await h.client.runStart('mg-src');
    const { entries } = await seedOf('mg-src');
    const big = entries.map((entry) => (entry.position === 0 ? { ...entry, output: 'x'.repeat(3 * 1024 * 1024) } : entry));
    await assert.rejects(h.client.startSeeded('mg-big', migrant.name, start, { entries: big, signals: [] }), (error: unknown) => {
      assert.equal((error as { kind?: string }).kind, 'payload-too-large');
      assert.match(String(error), /The start of run "mg-big" .* is \d+ bytes, over Temporal's limit of 2097152 bytes/);
      return true;
    });
    await assert.rejects(describeRun('mg-big'), RunNotFoundError);
  });

  it('keeps a migration request through a SIGKILL of the worker: the next worker stops the run', async () => {
    const runId = 'mg-killed';
    const workerEntry = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
    const spawn = () => spawnWorker(workerEntry, { env: { RATCHET_DRIVER_OPTIONS: JSON.stringify(h.driverOptions), WORLD_URL: h.world.url } });
    await h.client.start(longCounter, { steps: 2, thenWaitFor: 'go' }, { runId });
    const first = spawn();
    await first.waitForOutput(/worker ready/, 120_000);
    await waitFor(async () => (await status(runId)) === 'waiting');
    await first.kill();
    await h.client.requestMigration(runId, 'local');
    const second = spawn();
    try {
      await second.waitForOutput(/worker ready/, 120_000);
      const stopped = await h.client.settled(runId, 60_000);
      assert.equal(stopped.status, 'migrated');
      assert.deepEqual(stopped.migration?.to, 'local');
      assert.deepEqual(stopped.migration?.openWait && [stopped.migration.openWait.stepId, stopped.migration.openWait.kind], ['signal:go#1', 'signal']);
    } finally {
      await second.kill();
    }
  });
});
