import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { CapabilityError, ConfigError, createClient, digest, PayloadTooLargeError, RunDeadLetteredError, RunFailedError, RunNotFoundError, type RatchetClient } from '@ratchet/core';
import { createDriverFromConfig } from '@ratchet/core/config';
import { createWorker } from '@ratchet/core/worker';
import { killWhen, spawnWorker, startWorldService, stopAll, type AppliedEffect, type WorkerProcess, type WorldService } from '@ratchet/testing';
import { restateDriver } from '../src/index.ts';
import { freePort, startRestateServer, type RestateServer } from '../src/server.ts';
import { blobAgent, crashAgent, inboxAgent, longAgent, napAgent, parallelAgent, versionAgent } from './fixtures/agents.ts';

const workerEntry = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const limitBytes = 1024 * 1024;

describe('restate driver options', () => {
  it('names an unknown option and lists the valid ones', async () => {
    await assert.rejects(createDriverFromConfig({ driver: 'restate', restate: { ingresUrl: 'http://127.0.0.1:8080' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /unknown option ingresUrl\. Valid options: ingressUrl, adminUrl, .*endpointPort/);
      return true;
    });
    assert.throws(() => restateDriver({ retention: 'forever' }), /Invalid restate driver option retention "forever"/);
    assert.equal((await createDriverFromConfig({ driver: 'restate', restate: {} })).capabilities.maxPayloadBytes, 32 * 1024 * 1024);
  });

  it('refuses a worker concurrency bound, which Restate decides on the server, naming the driver', async () => {
    // Refused before anything connects: no server is needed to see it.
    await assert.rejects(createWorker(restateDriver({ endpointPort: 1 }), { agents: [] }, { concurrency: 4 }), (error: unknown) => {
      assert.ok(error instanceof CapabilityError, String(error));
      assert.equal(error.driver, 'restate');
      assert.match(error.message, /The restate driver cannot bound worker concurrency: the engine decides how much work it sends a worker/);
      return true;
    });
  });
});

// A real restate-server whose message size limit is 1 MiB, and the driver told the same.
describe('restate driver on restate-server', () => {
  let server: RestateServer;
  let world: WorldService;
  let client: RatchetClient;
  let options: Record<string, unknown>;
  const spawn = async (variant = 'v1'): Promise<WorkerProcess> => {
    const worker = spawnWorker(workerEntry, { env: { RESTATE_OPTIONS: JSON.stringify(options), WORLD_URL: world.url, VARIANT: variant } });
    await worker.waitForOutput(/worker ready/, 60_000);
    return worker;
  };

  before(async () => {
    [server, world] = await Promise.all([startRestateServer({ messageSizeLimitBytes: limitBytes }), startWorldService()]);
    options = { ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort: await freePort(), maxPayloadBytes: limitBytes, pollIntervalMs: 50 };
    client = await createClient(restateDriver(options));
  });
  afterEach(() => stopAll());
  after(async () => {
    await stopAll();
    await client?.close();
    await world?.close();
    await server?.stop();
  });

  it('runs the restate-server binary itself, on a fresh data directory', () => {
    assert.match(readlinkSync(`/proc/${server.pid}/exe`), /\/restate-server$/);
    assert.ok(existsSync(join(server.baseDir, 'server.log')));
  });

  it('finishes a run whose restate-server was SIGKILLed mid-run and restarted on its own data, applying each step once', async () => {
    await spawn();
    const run = await client.start(napAgent, {}, { runId: 'nap-1' });
    // In the sleep: the first step is journaled, the second has not started.
    while (!(await client.journal('nap-1')).some((entry) => entry.kind === 'sleep')) await new Promise((resolve) => setTimeout(resolve, 20));
    const pid = server.pid;
    await server.restart();
    assert.notEqual(server.pid, pid, 'a new server process, on the same data and ports');
    assert.equal((await run.result({ timeoutMs: 60_000 })).ids.length, 2);
    const applied = world.effects.filter((effect) => effect.idempotencyKey.startsWith('nap-1:'));
    assert.deepEqual(applied.map((effect) => effect.payload), [{ item: 'before-nap' }, { item: 'after-nap' }]);
    assert.deepEqual((await client.journal('nap-1')).map((entry) => [entry.stepId, entry.status]), [
      ['step:pack#1', 'completed'],
      ['sleep:sleep#1', 'completed'],
      ['step:pack#2', 'completed'],
    ]);
  });

  it('replays a run started before journal version 2 without wake markers, and marks the waits of new runs', async () => {
    const wakeMarkers = async (runId: string) => {
      const response = await fetch(`${server.adminUrl}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: `SELECT j.name FROM sys_journal j JOIN sys_invocation i ON j.id = i.id WHERE i.target_service_key = '${runId}' AND j.name = 'ratchet.woke'` }),
      });
      return ((await response.json()) as { rows: unknown[] }).rows.length;
    };
    let worker = await spawn();
    // What a client before journal version 2 sent: no `journalVersion`.
    const input = {};
    const sent = await fetch(`${server.ingressUrl}/ratchet.nap/nap-v1/run/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'nap', input, inputDigest: digest(input), seed: 'seed' }),
    });
    assert.equal(sent.ok, true, await sent.text());
    while (!(await client.journal('nap-v1').catch(() => [])).some((entry) => entry.kind === 'sleep')) await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.kill();
    worker = await spawn();
    assert.equal((await client.result<{ ids: string[] }>('nap-v1', { timeoutMs: 60_000 })).ids.length, 2);
    // Attempts are not compared: on a busy machine a second execution sometimes tried the step
    // after the sleep (seen: attempts 2), which counts; each effect still applied once.
    assert.deepEqual(
      world.effects.filter((effect) => effect.idempotencyKey.startsWith('nap-v1:')).map((effect) => effect.payload),
      [{ item: 'before-nap' }, { item: 'after-nap' }],
    );
    assert.deepEqual((await client.journal('nap-v1')).map((entry) => [entry.stepId, entry.status]), [
      ['step:pack#1', 'completed'],
      ['sleep:sleep#1', 'completed'],
      ['step:pack#2', 'completed'],
    ]);
    assert.equal(await wakeMarkers('nap-v1'), 0);
    await (await client.start(napAgent, {}, { runId: 'nap-v2' })).result({ timeoutMs: 60_000 });
    assert.equal(await wakeMarkers('nap-v2'), 1, 'a run the current client started marks its wait');
  });

  it('makes a re-registration with changed code take effect', async () => {
    const v1 = await spawn('v1');
    assert.deepEqual(await (await client.start(versionAgent, {}, { runId: 'version-1' })).result({ timeoutMs: 60_000 }), { version: 'v1' });
    await v1.kill();
    await spawn('v2');
    assert.deepEqual(await (await client.start(versionAgent, {}, { runId: 'version-2' })).result({ timeoutMs: 60_000 }), { version: 'v2' });
  });

  it('refuses payloads over the limit with an error naming what and the limit, before Restate sees them', async () => {
    await spawn();
    assert.deepEqual(await (await client.start(blobAgent, { bytes: 1_000 }, { runId: 'blob-small' })).result({ timeoutMs: 60_000 }), { length: 1_000 });

    await client.start(blobAgent, { bytes: limitBytes + 10 }, { runId: 'blob-large' });
    const error = await client.result('blob-large', { timeoutMs: 60_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunFailedError, String(error));
    assert.equal(error.error.kind, 'payload-too-large');
    assert.match(error.error.message, /The journaled result of step "step:blob#1" is \d+ bytes, over Restate's limit of 1048576 bytes/);
    const [entry] = await client.journal('blob-large');
    assert.deepEqual([entry!.stepId, entry!.status, entry!.error?.kind], ['step:blob#1', 'failed', 'payload-too-large']);

    const hugeInput = { item: 'x'.repeat(limitBytes) };
    await assert.rejects(client.start(crashAgent, hugeInput, { runId: 'input-large' }), (e: unknown) => e instanceof PayloadTooLargeError && /The input of run "input-large"/.test(e.message));
    await assert.rejects(client.describe('input-large'), RunNotFoundError);
    // A live run, since an ended one refuses any signal first (RunEndedError).
    await client.start(inboxAgent, {}, { runId: 'inbox-large-signal' });
    await assert.rejects(client.signal('inbox-large-signal', 'note', hugeInput), /The payload of signal "note" is \d+ bytes/);
  });

  for (const napFirst of [false, true]) {
    it(`counts attempts that crashed their worker${napFirst ? ', after a wait,' : ''} dead-letters after maxAttempts and redrives`, async () => {
      const runId = napFirst ? 'crash-loop-after-wait' : 'crash-loop';
      let worker = await spawn('crashing');
      await client.start(crashAgent, { item: 'bomb', napFirst }, { runId });
      // maxAttempts is 2: two workers die in the step, the third finds the attempts used up.
      for (const _ of [1, 2]) {
        await worker.exited;
        worker = await spawn('crashing');
      }
      const error = await client.result(runId, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunDeadLetteredError, String(error));
      assert.equal(error.stepId, 'step:crash#1');
      assert.equal(error.error.kind, 'worker-crash');
      assert.match(error.message, /2 attempt\(s\) of "step:crash#1" ended with their worker dying/);
      assert.equal(worker.output().includes('worker ready'), true, 'the third worker did not run the step, so it lives');
      assert.deepEqual(
        (await client.journal(runId)).filter((e) => e.kind !== 'sleep').map((e) => e.stepId),
        ['step:pack#1'],
        'the journal stops before the crashing step',
      );

      await worker.kill();
      await spawn('fixed');
      await client.redrive(runId);
      await client.result(runId, { timeoutMs: 60_000 });
      const journal = await client.journal(runId);
      assert.deepEqual(
        journal.filter((e) => e.kind !== 'sleep').map((e) => [e.stepId, e.status, e.attempts]),
        [['step:pack#1', 'completed', 1], ['step:crash#1', 'completed', 1]],
      );
      assert.deepEqual(world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).map((e) => e.type), ['pack', 'crash']);
    });
  }

  it('finishes a 5,000-step agent whose worker is killed half-way, each step applied once, and reads its journal back whole', async () => {
    const runId = 'long-5000';
    const steps = 5_000;
    const worker = await spawn();
    const killed = killWhen<AppliedEffect>((listener) => world.on('effect', listener), (effect) => effect.idempotencyKey === `${runId}:step:pack#2500`, worker);
    await client.start(longAgent, { steps }, { runId });
    await killed;
    await spawn();
    assert.deepEqual(await client.result(runId, { timeoutMs: 600_000 }), { packed: steps });
    // The world applies an effect once per idempotency key: one per step, the one cut off by the kill included.
    assert.equal(world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).length, steps);
    const journal = await client.journal(runId);
    assert.equal(journal.length, steps);
    journal.forEach((entry, index) => assert.equal(entry.stepId, `step:pack#${index + 1}`));
    assert.ok((await client.describe(runId)).executions >= 2);
  });

  it('replays steps that ran under a native Promise.all, in position order, after a kill', async () => {
    const runId = 'parallel';
    const worker = await spawn();
    const killed = killWhen<AppliedEffect>((listener) => world.on('effect', listener), (effect) => effect.idempotencyKey === `${runId}:step:pack#3`, worker);
    await client.start(parallelAgent, {}, { runId });
    await killed;
    await spawn();
    const output = await client.result<{ ids: string[] }>(runId, { timeoutMs: 60_000 });
    const applied = world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`));
    assert.deepEqual(applied.map((e) => [e.idempotencyKey, (e.payload as { item: string }).item]).sort(), [
      [`${runId}:step:pack#1`, 'a'],
      [`${runId}:step:pack#2`, 'b'],
      [`${runId}:step:pack#3`, 'c'],
    ]);
    assert.deepEqual(output.ids, ['a', 'b', 'c'].map((item) => `v1:${applied.find((e) => (e.payload as { item: string }).item === item)!.id}`));
    const journal = await client.journal(runId);
    assert.deepEqual(journal.map((e) => [e.position, e.stepId, e.input]), [
      [0, 'step:pack#1', { item: 'a' }],
      [1, 'step:pack#2', { item: 'b' }],
      [2, 'step:pack#3', { item: 'c' }],
    ]);
    assert.ok((await client.describe(runId)).executions >= 2);
  });

  it('delivers signals of one name in order, and a timed-out wait takes none', async () => {
    await spawn();
    const runId = 'inbox';
    await client.start(inboxAgent, {}, { runId });
    await waitFor(async () => (await client.journal(runId)).some((entry) => entry.stepId === 'step:pack#1'));
    await client.signal(runId, 'note', 'a');
    await client.signal(runId, 'note', 'b');
    const output = await client.result(runId, { timeoutMs: 60_000 });
    assert.deepEqual(output, { first: { received: false, reason: 'timeout' }, second: { received: true, payload: 'a' }, third: { received: true, payload: 'b' } });
    const journal = await client.journal(runId);
    assert.deepEqual(journal.map((e) => [e.position, e.stepId, e.output]).filter(([, stepId]) => String(stepId).startsWith('signal')), [
      [0, 'signal:note#1', { received: false }],
      [2, 'signal:note#2', { received: true, payload: 'a' }],
      [3, 'signal:note#3', { received: true, payload: 'b' }],
    ]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
