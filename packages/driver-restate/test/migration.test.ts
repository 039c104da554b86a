import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  createClient,
  PayloadTooLargeError,
  RatchetError,
  RunMigratedError,
  RunNotFoundError,
  type DriverWorker,
  type RatchetClient,
  type RunDescription,
  type SeededJournal,
} from '@ratchet/core';
import { createWorker, implement } from '@ratchet/core/worker';
import { killWhen, postEffect, spawnWorker, startWorldService, stopAll, type AppliedEffect, type WorldService } from '@ratchet/testing';
import { restateDriver } from '../src/index.ts';
import { freePort, startRestateServer, type RestateServer } from '../src/server.ts';
import { fixtureImplementations } from './fixtures/implementations.ts';
import { backoffAgent, conveyorAgent, flaky, gate, gatekeeperAgent, marchAgent, relayAgent } from './fixtures/migration-agents.ts';

// Runs stopped for a migration on a real restate-server, and new runs seeded with what they handed
// over (under a new run id: the tests' stand-in for the engine a run moves to).
describe('restate driver: migration and seeded starts', () => {
  let server: RestateServer;
  let world: WorldService;
  let client: RatchetClient;
  let options: Record<string, unknown>;
  let worker: DriverWorker;
  /** Steps of `gate` with these `n` wait until the test opens them. */
  const held = new Map<number, { opened: Promise<void>; open(): void }>();

  before(async () => {
    [server, world] = await Promise.all([startRestateServer(), startWorldService()]);
    options = { ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort: await freePort(), pollIntervalMs: 50 };
    const driver = restateDriver(options);
    client = await createClient(driver);
    worker = await createWorker(driver, {
      agents: [relayAgent, gatekeeperAgent, conveyorAgent, backoffAgent],
      implementations: [
        ...fixtureImplementations(world.url, 'v1'),
        implement(gate, {
          execute: async ({ n }, { idempotencyKey }) => {
            const receipt = await postEffect(world.url, { type: 'gate', payload: { n } }, idempotencyKey);
            await held.get(n)?.opened;
            return { id: receipt.id };
          },
        }),
        implement(flaky, {
          execute: async () => {
            throw new RatchetError('application', 'not yet', { retryable: true, retryAfterMs: 60_000 });
          },
        }),
      ],
    });
    await worker.start();
  });
  after(async () => {
    await worker?.stop();
    await client?.close();
    await world?.close();
    await server?.stop();
  });

  const effectsOf = (runId: string) => world.effects.filter((effect) => effect.idempotencyKey.startsWith(`${runId}:`));
  /** Seeds a new run with what `from` handed over, as an import would. */
  const seedFrom = async (from: string, runId: string, agent: string, change: (seeded: SeededJournal) => SeededJournal = (s) => s) => {
    const [start, entries, run] = await Promise.all([client.runStart(from), client.journal(from), client.describe(from)]);
    const { signals, openWait } = run.migration!;
    return client.startSeeded(runId, agent, start, change({ entries, signals, ...(openWait ? { openWait } : {}) }));
  };

  it('reads back how a run was started', async () => {
    await client.start(conveyorAgent, {}, { runId: 'start-1', budget: { maxTotalTokens: 1_000 } });
    const start = await client.runStart('start-1');
    assert.deepEqual(start, { input: {}, inputDigest: start.inputDigest, seed: 'start-1', options: { budget: { maxTotalTokens: 1_000 } } });
    assert.match(start.inputDigest, /\S/);
    await assert.rejects(client.runStart('no-such-run'), RunNotFoundError);
    await assert.rejects(client.requestMigration('no-such-run', 'local'), RunNotFoundError);
  });

  it('refuses a seeded journal too big for the engine before anything starts', async () => {
    const small = await createClient(restateDriver({ ...options, maxPayloadBytes: 10_000 }));
    const start = await client.runStart('start-1');
    await assert.rejects(small.startSeeded('too-big', 'gatekeeper', start, { entries: [], signals: [{ name: 'note', payload: 'x'.repeat(20_000) }] }), (error: unknown) => {
      assert.ok(error instanceof PayloadTooLargeError);
      assert.match(error.message, /The start request of run "too-big" with its seeded journal is \d+ bytes, over Restate's limit of 10000 bytes: configure the driver's `offload` \(a payload store for large payloads\), or raise its maxPayloadBytes/);
      return true;
    });
    await assert.rejects(client.describe('too-big'), RunNotFoundError);
  });

  it('stops a run in a sleep with pending signals, and a seeded run resumes it with what was left', async () => {
    const source = 'relay-source';
    await client.start(relayAgent, { sleep: '4s' }, { runId: source });
    await waitFor(async () => (await client.journal(source)).length === 1);
    await client.signal(source, 'note', 'x'); // consumed by the first wait
    await waitFor(async () => (await client.journal(source)).length === 2);
    await client.signal(source, 'note', 'y'); // buffered: the run sleeps
    await client.signal(source, 'memo', 'm');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await client.requestMigration(source, 'local');

    const stopped = await client.settled(source, 30_000);
    assert.equal(stopped.status, 'migrated');
    const record = stopped.migration!;
    assert.equal(record.to, 'local');
    assert.deepEqual(record.signals, [{ name: 'note', payload: 'y' }, { name: 'memo', payload: 'm' }], 'unconsumed signals, in arrival order');
    assert.deepEqual(record.openWait && { ...record.openWait, deadline: undefined }, { position: 2, stepId: 'sleep:sleep#1', kind: 'sleep', deadline: undefined });
    const sleptFrom = stopped.updatedAt - 4_000;
    assert.ok(record.openWait!.deadline! > Date.now() && record.openWait!.deadline! > sleptFrom, 'the deadline is the sleep\'s own, still ahead');
    const carried = await client.journal(source);
    assert.deepEqual(carried.map((e) => [e.position, e.stepId]), [[0, 'step:pack#1'], [1, 'signal:note#1']]);

    await assert.rejects(client.signal(source, 'note', 'late'), (error: unknown) => error instanceof RunMigratedError && error.to === 'local');
    await client.requestMigration(source, 'temporal');
    assert.equal((await client.describe(source)).migration?.to, 'local', 'the first request stays');
    assert.deepEqual((await client.describe(source)).migration?.signals, record.signals, 'the refused signal was not kept');

    const target = 'relay-target';
    const seededAt = Date.now();
    await seedFrom(source, target, 'relay');
    const output = await client.result<{ a: string; first: unknown; second: unknown; b: string }>(target, { timeoutMs: 30_000 });
    assert.deepEqual([output.first, output.second], [{ received: true, payload: 'x' }, { received: true, payload: 'y' }]);
    assert.equal(output.a, (carried[0]!.output as { id: string }).id, 'the carried step answered from the journal');
    assert.deepEqual(effectsOf(target).map((e) => e.payload), [{ item: 'b' }], 'only the step after the wait ran');

    const journal = await client.journal(target);
    assert.deepEqual(journal.slice(0, 2), carried, 'the seeded entries read back as given');
    assert.equal((await client.describe(target)).seededSteps, 2);
    assert.deepEqual(journal.map((e) => [e.position, e.stepId]), [[0, 'step:pack#1'], [1, 'signal:note#1'], [2, 'sleep:sleep#1'], [3, 'signal:note#2'], [4, 'step:pack#2']]);
    const slept = journal[2]!;
    assert.ok(slept.completedAt >= record.openWait!.deadline! - 50, `the sleep did not end early (${slept.completedAt} vs ${record.openWait!.deadline})`);
    assert.ok(slept.completedAt < seededAt + 3_500, 'the sleep resumed with what was left, not 4 s again');
  });

  it('stops a run waiting on an approval, and the approval lands on the seeded run', async () => {
    const source = 'gate-source';
    await client.start(gatekeeperAgent, {}, { runId: source });
    await waitUntilWaiting(client, source);
    await client.requestMigration(source, 'temporal');
    const stopped = await client.settled(source, 30_000);
    assert.equal(stopped.status, 'migrated');
    const wait = stopped.migration!.openWait!;
    assert.deepEqual([wait.position, wait.stepId, wait.kind], [1, 'signal:approval:ship#1', 'signal']);
    assert.ok(Math.abs(wait.deadline! - (stopped.createdAt + 3_600_000)) < 10_000, 'the deadline is the approval\'s timeout');
    assert.deepEqual(stopped.migration!.signals, []);
    await assert.rejects(client.approve(source, 'ship', { by: 'too-late' }), RunMigratedError);

    const target = 'gate-target';
    await seedFrom(source, target, 'gatekeeper');
    await waitUntilWaiting(client, target);
    await client.approve(target, 'ship', { by: 'dana' });
    const output = await client.result<{ approvedBy?: string }>(target, { timeoutMs: 30_000 });
    assert.equal(output.approvedBy, 'dana');
    assert.deepEqual(effectsOf(source).map((e) => e.payload), [{ item: 'before' }]);
    assert.deepEqual(effectsOf(target).map((e) => e.payload), [{ item: 'after' }]);
  });

  it('dead-letters a seeded run whose prefix does not match its agent\'s steps', async () => {
    await client.start(gatekeeperAgent, {}, { runId: 'mismatch-source' });
    await waitUntilWaiting(client, 'mismatch-source');
    await client.requestMigration('mismatch-source', 'local');
    await client.settled('mismatch-source', 30_000);
    await seedFrom('mismatch-source', 'mismatch', 'conveyor', ({ entries }) => ({ entries, signals: [] }));
    const run = await waitForStatus(client, 'mismatch', 'dead-lettered');
    assert.equal(run.deadLetter?.error.kind, 'non-determinism');
    assert.match(run.deadLetter!.error.message, /step 0: the journal has "step:pack#1" but the agent asked for "step:gate#1"/);
    assert.deepEqual(effectsOf('mismatch'), [], 'nothing ran');
  });

  it('stops a run busy with steps at the next step boundary', async () => {
    const source = 'conveyor-source';
    let open!: () => void;
    held.set(2, { opened: new Promise<void>((resolve) => (open = resolve)), open });
    await client.start(conveyorAgent, {}, { runId: source });
    await waitFor(async () => effectsOf(source).length === 2);
    await client.requestMigration(source, 'local');
    held.get(2)!.open();
    const stopped = await client.settled(source, 30_000);
    assert.equal(stopped.status, 'migrated');
    assert.equal(stopped.migration!.openWait, undefined, 'it stopped between steps');
    assert.deepEqual((await client.journal(source)).map((e) => e.stepId), ['step:gate#1', 'step:gate#2']);
    assert.deepEqual(effectsOf(source).map((e) => e.payload), [{ n: 1 }, { n: 2 }], 'the step after the request did not run');
    held.clear();

    await seedFrom(source, 'conveyor-target', 'conveyor');
    const output = await client.result<{ ids: string[] }>('conveyor-target', { timeoutMs: 30_000 });
    assert.equal(output.ids.length, 4);
    assert.deepEqual(effectsOf('conveyor-target').map((e) => e.payload), [{ n: 3 }, { n: 4 }]);
  });

  it('stops a run backing off before a retry without waiting out its delay', async () => {
    const source = 'backoff-source';
    await client.start(backoffAgent, {}, { runId: source });
    await waitUntilWaiting(client, source);
    const requestedAt = Date.now();
    await client.requestMigration(source, 'local');
    const stopped = await client.settled(source, 30_000);
    assert.equal(stopped.status, 'migrated');
    assert.ok(Date.now() - requestedAt < 20_000, 'the minute of backoff was not waited out');
    assert.deepEqual((await client.journal(source)).map((e) => e.stepId), ['step:pack#1']);
  });

  it('leaves a run that has ended as it is', async () => {
    await client.start(conveyorAgent, {}, { runId: 'ended' });
    await client.result('ended', { timeoutMs: 30_000 });
    await client.requestMigration('ended', 'local');
    const run = await client.describe('ended');
    assert.deepEqual([run.status, run.migration], ['completed', undefined]);
  });
});

describe('restate driver: a migration request outlives the worker', () => {
  let server: RestateServer;
  let world: WorldService;
  let client: RatchetClient;
  let options: Record<string, unknown>;
  const workerEntry = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
  const spawn = async () => {
    const worker = spawnWorker(workerEntry, { env: { RESTATE_OPTIONS: JSON.stringify(options), WORLD_URL: world.url } });
    await worker.waitForOutput(/worker ready/, 60_000);
    return worker;
  };

  before(async () => {
    [server, world] = await Promise.all([startRestateServer(), startWorldService()]);
    options = { ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort: await freePort(), pollIntervalMs: 50 };
    client = await createClient(restateDriver(options));
  });
  afterEach(() => stopAll());
  after(async () => {
    await stopAll();
    await client?.close();
    await world?.close();
    await server?.stop();
  });
  const effectsOf = (runId: string) => world.effects.filter((effect) => effect.idempotencyKey.startsWith(`${runId}:`));

  it('stops a waiting run on a replacement worker after a SIGKILL', async () => {
    const runId = 'killed-waiting';
    const first = await spawn();
    await client.start(gatekeeperAgent, {}, { runId });
    await waitUntilWaiting(client, runId);
    await first.kill();
    await client.requestMigration(runId, 'inngest');
    await spawn();
    const stopped = await client.settled(runId, 60_000);
    assert.equal(stopped.status, 'migrated');
    assert.equal(stopped.migration?.to, 'inngest');
    assert.equal(stopped.migration?.openWait?.stepId, 'signal:approval:ship#1');
    assert.deepEqual(effectsOf(runId).map((e) => e.payload), [{ item: 'before' }]);
  });

  it('replays past a wait the request also completed, and stops in the sleep after it', async () => {
    const runId = 'killed-sleeping';
    const first = await spawn();
    await client.start(relayAgent, { sleep: '1h' }, { runId });
    await waitFor(async () => (await client.journal(runId)).length === 1);
    await client.signal(runId, 'note', 'x');
    await waitFor(async () => (await client.journal(runId)).length === 2);
    await first.kill();
    await client.requestMigration(runId, 'local');
    await spawn();
    const stopped = await client.settled(runId, 60_000);
    assert.equal(stopped.status, 'migrated');
    assert.deepEqual([stopped.migration?.openWait?.stepId, stopped.migration?.signals], ['sleep:sleep#1', []]);
    const journal = await client.journal(runId);
    assert.deepEqual(journal.map((e) => [e.stepId, e.output]), [['step:pack#1', journal[0]!.output], ['signal:note#1', { received: true, payload: 'x' }]]);
  });

  it('stops a run killed in the middle of its steps before it runs another one', async () => {
    const runId = 'killed-marching';
    const first = await spawn();
    const killed = killWhen<AppliedEffect>((listener) => world.on('effect', listener), (effect) => effect.idempotencyKey === `${runId}:step:pack#2`, first);
    await client.start(marchAgent, {}, { runId });
    await killed;
    await client.requestMigration(runId, 'local');
    await spawn();
    const stopped = await client.settled(runId, 60_000);
    assert.equal(stopped.status, 'migrated');
    assert.equal(stopped.migration?.openWait, undefined);
    assert.deepEqual((await client.journal(runId)).map((e) => e.stepId), ['step:pack#1'], 'the step whose worker died is left to the target');
    assert.deepEqual(effectsOf(runId).map((e) => e.payload), [{ item: 'm1' }, { item: 'm2' }], 'no step ran after the request');
  });
});

async function waitUntilWaiting(client: RatchetClient, runId: string): Promise<void> {
  await waitForStatus(client, runId, 'waiting');
}

async function waitForStatus(client: RatchetClient, runId: string, status: RunDescription['status']): Promise<RunDescription> {
  let run: RunDescription | undefined;
  await waitFor(async () => (run = await client.describe(runId)).status === status);
  return run!;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
