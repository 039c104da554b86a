import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, createClient, defineAgent, defineStep, ExecutionInterrupt } from '@ratchet/core';
import { createWorker, implement } from '@ratchet/core/worker';
import { openDatabase } from '../src/database.ts';
import { localDriver } from '../src/index.ts';
import { RunStore } from '../src/run-store.ts';

// What only the local driver has; its behaviour as a driver is proven by the conformance suite.
describe('local driver specifics', () => {
  it('names a bad option and lists the valid ones', () => {
    assert.throws(() => localDriver({ path: 'x.db', leaseMS: 5 } as never), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /Valid options: path, leaseMs, pollIntervalMs, synchronous/);
      return true;
    });
  });

  it('fences writes: a worker whose lease was taken over cannot journal or finish the run', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ratchet-fence-')), 'runs.db');
    const a = new RunStore(openDatabase(path));
    const b = new RunStore(openDatabase(path));
    a.insertRun({ runId: 'r', agent: 'agent', input: {}, inputDigest: 'd', seed: 's' }, 0);
    const now = Date.now();
    assert.equal(a.claim('worker-a', ['agent'], now, 100, 1).length, 1);
    assert.equal(b.claim('worker-b', ['agent'], now + 10, 100, 1).length, 0, 'the lease is held');
    assert.equal(b.claim('worker-b', ['agent'], now + 200, 100, 1).length, 1, 'an expired lease is taken over');
    assert.throws(
      () => a.beginAttempt('r', 'worker-a', 0, 'step:x#1', now + 201),
      (error: unknown) => ExecutionInterrupt.isInstance(error) && error.reason === 'abandon',
    );
    assert.equal(a.renewLease('r', 'worker-a', now + 202, 100), false);
    assert.equal(b.beginAttempt('r', 'worker-b', 0, 'step:x#1', now + 203), 1);
  });

  it('finishes a 5,000-step agent whose worker stops half-way, each step journaled once, its journal read back whole', async () => {
    const driver = localDriver({ path: join(mkdtempSync(join(tmpdir(), 'ratchet-long-')), 'runs.db'), pollIntervalMs: 20 });
    const tick = defineStep({ name: 'tick', input: z.object({ i: z.int() }), output: z.object({ i: z.int() }) });
    const long = defineAgent({
      name: 'long',
      input: z.object({ steps: z.int() }),
      output: z.object({ ticks: z.int() }),
      run: async (ctx, { steps }) => {
        for (let i = 0; i < steps; i++) await ctx.step(tick, { i });
        return { ticks: steps };
      },
    });
    const steps = 5_000;
    const ran = new Map<number, number>();
    let stopHalfWay: () => void = () => {};
    const halfWay = new Promise<void>((resolve) => (stopHalfWay = resolve));
    const implementations = [
      implement(tick, {
        execute: async ({ i }) => {
          ran.set(i, (ran.get(i) ?? 0) + 1);
          if (i === steps / 2) stopHalfWay();
          return { i };
        },
      }),
    ];
    const client = await createClient(driver);
    const first = await createWorker(driver, { agents: [long], implementations });
    await first.start();
    const run = await client.start(long, { steps }, { runId: 'long' });
    await halfWay;
    await first.stop();
    const second = await createWorker(driver, { agents: [long], implementations });
    await second.start();
    try {
      assert.deepEqual(await run.result({ timeoutMs: 120_000 }), { ticks: steps });
      const journal = await client.journal('long');
      assert.equal(journal.length, steps);
      journal.forEach((entry, index) => assert.deepEqual([entry.stepId, entry.output], [`step:tick#${index + 1}`, { i: index }]));
      // Only the step in flight when the first worker stopped can have run twice (its result was not journaled).
      const twice = [...ran].filter(([, count]) => count > 1).map(([i]) => i);
      assert.ok(twice.length <= 1 && twice.every((i) => i >= steps / 2), `ran twice: ${twice.join(', ')}`);
      assert.ok((await client.describe('long')).executions >= 2);
    } finally {
      await second.stop();
      await client.close();
    }
  });

  it('wakes an idle worker in the same process for a signal, a start and a sleep that ends, not at its next poll', async () => {
    // A poll interval far beyond the test timeout: each step below can only happen through a wake-up.
    const driver = localDriver({ path: join(mkdtempSync(join(tmpdir(), 'ratchet-wake-')), 'runs.db'), pollIntervalMs: 3_600_000 });
    const napper = defineAgent({
      name: 'napper',
      input: z.object({}),
      output: z.object({ woke: z.boolean() }),
      run: async (ctx) => {
        await ctx.sleep(50);
        const go = await ctx.waitForSignal('go', { schema: z.object({ ok: z.boolean() }) });
        return { woke: go.received && go.payload.ok };
      },
    });
    const worker = await createWorker(driver, { agents: [napper] });
    await worker.start();
    const client = await createClient(driver);
    try {
      const run = await client.start(napper, {}, { runId: 'nap' });
      // Past the sleep and parked on the signal: only a wake-up can bring the run back now.
      const parked = async () => (await client.describe('nap')).status === 'waiting' && (await client.journal('nap')).some((entry) => entry.kind === 'sleep' && entry.status === 'completed');
      while (!(await parked())) await new Promise((resolve) => setTimeout(resolve, 10));
      await client.signal('nap', 'go', { ok: true });
      assert.deepEqual(await run.result({ timeoutMs: 20_000 }), { woke: true });
    } finally {
      await client.close();
      await worker.stop();
    }
  });
});
