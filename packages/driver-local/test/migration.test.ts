import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createClient, defineAgent, defineStep, forkRun, migrateRun, RunDeadLetteredError, RunMigratedError, type RatchetClient } from '@ratchet/core';
import { createWorker, implement } from '@ratchet/core/worker';
import { localDriver } from '../src/index.ts';

// Between two deployments of the local driver (two database files): what only needs one engine kind.
// Every pair of different engines is proven in conformance/scenarios/migration.test.ts.
const applied: string[] = [];
const work = defineStep({ name: 'work', input: z.object({ n: z.int() }), output: z.string() });
const agent = defineAgent({
  name: 'mover',
  input: z.object({ wait: z.enum(['approval', 'sleep']) }),
  output: z.object({ by: z.string().optional(), results: z.array(z.string()) }),
  retry: { maxAttempts: 2, initialIntervalMs: 10 },
  async run(ctx, { wait }) {
    const results = [await ctx.step(work, { n: 1 })];
    let by: string | undefined;
    if (wait === 'approval') {
      const decision = await ctx.approval('go');
      if (!decision.timedOut) by = decision.by;
    }
    else await ctx.sleep('1500ms');
    results.push(await ctx.step(work, { n: 2 }));
    return { results, ...(by ? { by } : {}) };
  },
});

describe('local driver: migration between two databases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-local-migration-'));
  const drivers = [join(dir, 'a.db'), join(dir, 'b.db')].map((path) => localDriver({ path, leaseMs: 1_000, pollIntervalMs: 10 }));
  const stops: (() => Promise<void>)[] = [];
  let a: RatchetClient;
  let b: RatchetClient;

  before(async () => {
    for (const driver of drivers) {
      const worker = await createWorker(driver, {
        agents: [agent],
        implementations: [implement(work, { execute: async ({ n }, { idempotencyKey }) => (applied.push(idempotencyKey), `done ${n}`) })],
      });
      await worker.start();
      stops.push(() => worker.stop());
    }
    a = await createClient(drivers[0]!);
    b = await createClient(drivers[1]!);
  });
  after(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await Promise.all([a.close(), b.close()]);
  });

  const waiting = async (client: RatchetClient, runId: string) => {
    while ((await client.describe(runId)).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('moves a run waiting on an approval and refuses signals on the old database', async () => {
    await a.start(agent, { wait: 'approval' }, { runId: 'm1' });
    await waiting(a, 'm1');
    const moved = await migrateRun(a, b, 'm1');
    assert.equal(moved.steps, 1);
    await assert.rejects(a.approve('m1', 'go'), RunMigratedError);
    await b.approve('m1', 'go', { by: 'ada' });
    assert.deepEqual(await b.result('m1', { timeoutMs: 10_000 }), { by: 'ada', results: ['done 1', 'done 2'] });
    assert.deepEqual(applied.filter((key) => key.startsWith('m1:')), ['m1:step:work#1', 'm1:step:work#2']);
    await assert.rejects(a.result('m1'), RunMigratedError);
  });

  it('keeps a sleep deadline across the move', async () => {
    await a.start(agent, { wait: 'sleep' }, { runId: 'm2' });
    await waiting(a, 'm2');
    const moved = await migrateRun(a, b, 'm2');
    await b.result('m2', { timeoutMs: 10_000 });
    const second = (await b.journal('m2')).find((entry) => entry.stepId === 'step:work#2')!;
    assert.ok(second.startedAt >= moved.journal.openWait!.deadline!);
  });

  it('forks at a step and runs only what follows, under its own keys', async () => {
    const fork = await forkRun(b, 'm1', { at: 'step:work#2', runId: 'm1-fork' });
    assert.equal(fork.at, 2);
    assert.deepEqual(await fork.handle.result({ timeoutMs: 10_000 }), { by: 'ada', results: ['done 1', 'done 2'] });
    assert.deepEqual(applied.filter((key) => key.startsWith('m1-fork:')), ['m1-fork:step:work#2']);
  });

  it('dead-letters an import whose journal the code does not match, before running anything past it', async () => {
    const journal = await b.export('m1');
    const entries = journal.entries.map((entry) => (entry.position === 1 ? { ...entry, stepId: 'signal:approval:stop#1' } : entry));
    const run = await b.startSeeded('m1-diverged', 'mover', { ...journal.run, input: journal.run.input }, { entries, signals: [] });
    await assert.rejects(run.result({ timeoutMs: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof RunDeadLetteredError);
      assert.match(error.message, /at step 1: the journal has "signal:approval:stop#1" but the agent asked for "signal:approval:go#1"/);
      return true;
    });
    assert.deepEqual(applied.filter((key) => key.startsWith('m1-diverged:')), []);
  });
});
