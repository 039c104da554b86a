import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ConfigError, RunDeadLetteredError, RunFailedError } from '@ratchet/core';
import { spawnWorker, stopAll, type WorkerProcess } from '@ratchet/testing';
import { inngestDriver } from '../src/index.ts';
import { blobAgent, echoAgent, pairAgent } from './fixtures/agents.ts';
import { createHarness, type Harness } from './harness.ts';

describe('inngest driver on inngest start', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await createHarness();
    ({ url } = await h.startWorker({ driver: { maxStepOutputBytes: 2_000, maxSteps: 100 } }));
  });
  after(() => h.close());

  it('runs a run the server calls with signed requests, journaling each step', async () => {
    const run = await h.client.start(echoAgent, { texts: ['a', 'b'] }, { runId: 'echo-1' });
    assert.deepEqual(await run.result({ timeoutMs: 30_000 }), { texts: ['A', 'B'] });
    const journal = await h.client.journal('echo-1');
    assert.deepEqual(journal.map((e) => [e.position, e.stepId, e.status, e.attempts, e.output]), [
      [0, 'step:echo#1', 'completed', 1, { text: 'A' }],
      [1, 'step:echo#2', 'completed', 1, { text: 'B' }],
    ]);
    assert.deepEqual(h.applied, ['echo-1:step:echo#1', 'echo-1:step:echo#2']);
  });

  it('retries a step of a Promise.all that failed retryably, in the request Inngest targets at that step', async () => {
    // Both "flaky" steps fail their first attempt: one beside a sibling, one after the pair.
    const run = await h.client.start(pairAgent, { left: 'a', right: 'flaky', last: 'flaky' }, { runId: 'pair-retry' });
    assert.deepEqual(await run.result({ timeoutMs: 60_000 }), { texts: ['A', 'FLAKY', 'FLAKY'] });
    const journal = await h.client.journal('pair-retry');
    assert.deepEqual(journal.map((e) => [e.position, e.stepId, e.status, e.attempts, e.output]), [
      [0, 'step:echo#1', 'completed', 1, { text: 'A' }],
      [1, 'step:echo#2', 'completed', 2, { text: 'FLAKY' }],
      [2, 'step:echo#3', 'completed', 2, { text: 'FLAKY' }],
    ]);
    const applied = h.applied.filter((key) => key.startsWith('pair-retry:')).sort();
    assert.deepEqual(applied, ['pair-retry:step:echo#1', 'pair-retry:step:echo#2', 'pair-retry:step:echo#3'], 'each effect applied once, by its successful attempt');
  });

  it('refuses unsigned and wrongly signed requests to the serve handler, running nothing', async () => {
    const before = h.applied.length;
    const body = JSON.stringify({ event: { name: 'ratchet/start/forged', data: { runId: 'forged', agent: 'echo', input: { texts: ['x'] }, seed: 's' } }, steps: {}, ctx: { run_id: 'forged', attempt: 0 } });
    const call = `${url}?fnId=ratchet-echo&stepId=step`;
    const unsigned = await fetch(call, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(unsigned.status, 401);
    assert.match(await unsigned.text(), /Unauthorized/);
    const timestamp = Math.floor(Date.now() / 1000);
    const forged = createHmac('sha256', 'not-the-signing-key').update(`${body}${timestamp}`).digest('hex');
    const wronglySigned = await fetch(call, { method: 'POST', headers: { 'content-type': 'application/json', 'x-inngest-signature': `t=${timestamp}&s=${forged}` }, body });
    assert.equal(wronglySigned.status, 401);
    assert.equal(h.applied.length, before, 'no step ran');
  });

  it('fails a step whose output passes the step output limit with an error naming the step and the limit', async () => {
    const error = await (await h.client.start(blobAgent, { bytes: 5_000 }, { runId: 'blob-big' })).result({ timeoutMs: 30_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunFailedError, String(error));
    assert.equal(error.error.kind, 'payload-too-large');
    assert.match(error.error.message, /The output of step "step:blob#1" is \d+ bytes, over Inngest's limit of 2000 bytes/);
    assert.deepEqual([error.error.data?.engine, error.error.data?.limitBytes, error.error.data?.stepId], ['Inngest', 2000, 'step:blob#1']);
    const [entry] = await h.client.journal('blob-big');
    assert.deepEqual([entry!.stepId, entry!.status, entry!.output], ['step:blob#1', 'failed', undefined]);
    assert.deepEqual(await (await h.client.start(blobAgent, { bytes: 100 }, { runId: 'blob-small' })).result({ timeoutMs: 30_000 }), { size: 100 });
  });

  it('continues a run past the step cap in new Inngest runs, each step applied once, its journal read back whole', async () => {
    // 50 steps a generation here (maxSteps 100, less the headroom): 180 steps take four.
    const texts = Array.from({ length: 180 }, (_, i) => `t${i}`);
    const output = await (await h.client.start(echoAgent, { texts }, { runId: 'echo-many' })).result({ timeoutMs: 120_000 });
    assert.deepEqual(output, { texts: texts.map((text) => text.toUpperCase()) });
    assert.deepEqual(h.applied.filter((key) => key.startsWith('echo-many:')), texts.map((_, i) => `echo-many:step:echo#${i + 1}`));
    const journal = await h.client.journal('echo-many');
    assert.deepEqual(journal.map((entry) => [entry.position, entry.stepId, entry.output]), texts.map((text, i) => [i, `step:echo#${i + 1}`, { text: text.toUpperCase() }]));
    const run = await h.client.describe('echo-many');
    assert.equal(run.status, 'completed');
    assert.equal(run.seededSteps, undefined, 'a continuation is the run itself, not a run seeded from another');
  });
});

describe('inngest driver under crashing workers', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await stopAll();
    await h.close();
  });

  /**
   * Starts a run under a supervisor that replaces each worker its steps kill, until the run ends and
   * `settled` (work that may go on after the run's end, such as a sibling's own request) resolves.
   */
  async function underSupervisor(start: () => Promise<{ result(options: { timeoutMs: number }): Promise<unknown> }>, settled: (error: unknown) => Promise<void> = async () => {}) {
    const entry = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
    const options = JSON.stringify({ ...h.driverOptions, servePort: 0 });
    let current: WorkerProcess | undefined;
    let stopped = false;
    let deaths = 0;
    const spawn = async () => {
      current = spawnWorker(entry, { env: { RATCHET_DRIVER_OPTIONS: options } });
      await current.waitForOutput(/worker ready/, 60_000);
      return current;
    };
    const supervise = async (worker: WorkerProcess) => {
      while (!stopped) {
        const exit = await worker.exited;
        if (stopped || exit.signal !== 'SIGKILL') return;
        deaths += 1;
        worker = await spawn();
      }
    };
    // The app's functions exist on the server once a worker has synced: start the run after that.
    const supervising = supervise(await spawn());
    const error = await (await start()).result({ timeoutMs: 120_000 }).catch((e: unknown) => e);
    // A worker must still be serving while the work after the run's end finishes.
    await settled(error);
    stopped = true;
    await current?.kill();
    await supervising;
    return { error, deaths };
  }

  it('counts attempts that killed their worker and dead-letters the step when they run out', async () => {
    const { error, deaths } = await underSupervisor(() => h.client.start(echoAgent, { texts: ['a', 'exit', 'c'] }, { runId: 'crash-loop' }));
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.equal(error.stepId, 'step:echo#2');
    assert.equal(error.error.kind, 'worker-crash');
    assert.match(error.message, /3 attempt\(s\) of "step:echo#2" ended with their worker dying/);
    assert.equal(deaths, 3, 'each of the three attempts killed a worker; no fourth one ran');
    const journal = await h.client.journal('crash-loop');
    assert.deepEqual(journal.map((e) => [e.stepId, e.attempts]), [['step:echo#1', 1]]);
  });

  it('counts the crashed attempts of a step in a Promise.all, each retried in a request targeted at it', async () => {
    const sibling = async () => (await h.client.journal('crash-loop-pair')).map((e) => [e.stepId, e.status]);
    let siblingAfterEnd: unknown[] | undefined;
    const { error, deaths } = await underSupervisor(
      () => h.client.start(pairAgent, { left: 'a', right: 'exit' }, { runId: 'crash-loop-pair' }),
      async (end) => {
        if (!(end instanceof RunDeadLetteredError) || end.stepId !== 'step:echo#2') return;
        // The sibling then runs again, under its key, in a request of its own that can end after the run parked.
        for (const deadline = Date.now() + 60_000; (await sibling()).length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
        siblingAfterEnd = await sibling();
      },
    );
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.equal(deaths, 3);
    // The sibling may have been in flight in each killed worker too: its crashed attempts count as
    // well, so whichever step reached three first dead-letters the run (on a busy machine, either).
    assert.ok(error.stepId === 'step:echo#2' || error.stepId === 'step:echo#1', String(error.stepId));
    assert.match(error.message, new RegExp(`3 attempt\\(s\\) of "${error.stepId}" ended with their worker dying`));
    if (error.stepId === 'step:echo#2') assert.deepEqual(siblingAfterEnd, [['step:echo#1', 'completed']]);
  });
});

describe('inngest driver options', () => {
  it('names a bad option and lists the valid ones', () => {
    assert.throws(() => inngestDriver({ baseUrl: 'http://127.0.0.1:1', signingKey: 'k', eventKey: 'e', port: 1 } as never), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /unknown option port\. Valid options: baseUrl, signingKey, eventKey, appId/);
      return true;
    });
  });

  it('refuses cloud mode without a signing key', () => {
    const saved = process.env.INNGEST_SIGNING_KEY;
    delete process.env.INNGEST_SIGNING_KEY;
    try {
      assert.throws(() => inngestDriver({ baseUrl: 'http://127.0.0.1:1', eventKey: 'e' }), /needs signingKey \(or INNGEST_SIGNING_KEY\)/);
    } finally {
      if (saved !== undefined) process.env.INNGEST_SIGNING_KEY = saved;
    }
  });
});
