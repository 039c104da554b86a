import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ExecutionInterrupt, MigrationWatch, NonDeterminismError, PayloadTooLargeError, RunDeadLetteredError, RunMigratedError, RunNotFoundError, type RunDescription, type SeededJournal } from '@ratchet/core';
import { spawnWorker, stopAll, type WorkerProcess } from '@ratchet/testing';
import { InngestHost, type HostOptions } from '../src/host.ts';
import type { EntryRecord, MigrationRequest } from '../src/protocol.ts';
import type { ServerApi } from '../src/server-api.ts';
import { echoAgent, migrantAgent } from './fixtures/agents.ts';
import { createHarness, type Harness } from './harness.ts';

type MigrantOutput = { texts: string[]; approvedBy?: string; note?: { received: boolean; payload?: unknown } };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('inngest driver: migration and import on inngest start', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    // Waits look at the buffered events again only after 30 s: a stop sooner than that was woken.
    await h.startWorker({ agents: [echoAgent, migrantAgent], driver: { recheckMs: 30_000 } });
  });
  after(async () => {
    await stopAll();
    await h.close();
  });

  const applied = (runId: string) => h.applied.filter((key) => key.startsWith(`${runId}:`));
  /** Waits until the run waits with `entries` journaled (the wait's own entry comes when it ends). */
  const waiting = (runId: string, entries: number) =>
    waitFor(`${runId} waiting after ${entries} entries`, async () => {
      const run = await h.client.describe(runId);
      return run.status === 'waiting' && (await h.client.journal(runId)).length === entries && run;
    });
  /** Asks the run to migrate and waits for the stop (well within a recheck: it was woken). */
  const migrate = async (runId: string, to = 'elsewhere'): Promise<RunDescription> => {
    const requestedAt = Date.now();
    await h.client.requestMigration(runId, to);
    const run = await h.client.settled(runId, 60_000);
    assert.equal(run.status, 'migrated', `${runId} migrated (${run.status})`);
    assert.ok(run.migration!.stoppedAt - requestedAt < 10_000, `stopped ${run.migration!.stoppedAt - requestedAt} ms after the request`);
    return run;
  };
  /** What an import of the migrated run would start from (same entries, another run id for the test). */
  const seedOf = async (runId: string): Promise<SeededJournal> => {
    const { migration } = await h.client.describe(runId);
    return { entries: await h.client.journal(runId), signals: migration!.signals, ...(migration!.openWait ? { openWait: migration!.openWait } : {}) };
  };
  const startSeeded = async (runId: string, from: string, seeded: SeededJournal) =>
    h.client.startSeeded(runId, migrantAgent.name, await h.client.runStart(from), seeded);

  it('reads back how a run was started, and refuses an unknown run', async () => {
    const input = { texts: ['x'] };
    await (await h.client.start(echoAgent, input, { runId: 'start-1', budget: { maxTotalTokens: 500 } })).result({ timeoutMs: 30_000 });
    const start = await h.client.runStart('start-1');
    assert.deepEqual(start.input, input);
    assert.equal(start.seed, 'start-1');
    assert.match(start.inputDigest, /\S/);
    assert.deepEqual(start.options, { budget: { maxTotalTokens: 500 } });
    await assert.rejects(h.client.runStart('no-such-run'), RunNotFoundError);
    await assert.rejects(h.client.requestMigration('no-such-run', 'elsewhere'), RunNotFoundError);
  });

  it('stops a run at a step boundary while it runs steps; a seeded run runs only the rest', async () => {
    const runId = 'mv-steps';
    await h.client.start(migrantAgent, { steps: 8, stepMs: 300 }, { runId });
    await waitFor('two slow steps applied', async () => applied(runId).length >= 3);
    const source = await migrate(runId, 'temporal');
    assert.equal(source.migration?.to, 'temporal');
    assert.equal(source.migration?.openWait, undefined, 'stopped between steps');
    assert.deepEqual(source.migration?.signals, []);
    const journal = await h.client.journal(runId);
    assert.ok(journal.length >= 3 && journal.length < 10, `stopped before the end (${journal.length} entries)`);
    assert.deepEqual(journal.map((entry) => entry.position), journal.map((_, index) => index), 'contiguous positions');
    assert.deepEqual(applied(runId), journal.map((entry) => `${runId}:${entry.stepId}`), 'every applied step is journaled, and nothing after the stop ran');
    // A second request, to another target, changes nothing.
    await h.client.requestMigration(runId, 'restate');
    assert.equal((await h.client.describe(runId)).migration?.to, 'temporal');

    const seeded = await seedOf(runId);
    const output = await (await startSeeded('mv-steps-2', runId, seeded)).result({ timeoutMs: 60_000 });
    assert.deepEqual((output as MigrantOutput).texts, ['FIRST', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'LAST']);
    const next = await h.client.journal('mv-steps-2');
    assert.deepEqual(next.slice(0, seeded.entries.length), seeded.entries, 'the seeded entries read back as given');
    assert.equal((await h.client.describe('mv-steps-2')).seededSteps, seeded.entries.length);
    assert.equal((await h.client.describe(runId)).seededSteps, undefined);
    assert.deepEqual(next.map((entry) => entry.position), next.map((_, index) => index));
    assert.equal(applied('mv-steps-2').length, 10 - seeded.entries.length, 'the seeded steps did not run again');
    assert.equal(applied('mv-steps-2')[0], `mv-steps-2:${next[seeded.entries.length]!.stepId}`);
  });

  it('wakes a run waiting on a signal, hands over a pending signal, and refuses signals after the stop', async () => {
    const runId = 'mv-signal';
    await h.client.start(migrantAgent, { wait: 'go-then-approval', note: true }, { runId });
    await waiting(runId, 1);
    await h.client.signal(runId, 'go', { n: 1 }); // consumed
    const waitStarted = Date.now();
    await waiting(runId, 2);
    await h.client.signal(runId, 'note', { n: 'early' }); // buffered: the run waits on the approval
    const source = await migrate(runId);
    assert.deepEqual(source.migration?.signals, [{ name: 'note', payload: { n: 'early' } }]);
    const wait = source.migration?.openWait;
    assert.deepEqual(wait && { stepId: wait.stepId, kind: wait.kind, position: wait.position }, { stepId: 'signal:approval:ship#1', kind: 'signal', position: 2 });
    assert.ok(wait!.deadline! >= waitStarted + 3_600_000 - 5_000 && wait!.deadline! <= Date.now() + 3_600_000, 'the journaled deadline: an hour after the wait began');

    const signalEvents = (await h.api.listEvents(`ratchet/signal/${runId}`)).length;
    await assert.rejects(h.client.approve(runId, 'ship', { by: 'too-late' }), (error: unknown) => error instanceof RunMigratedError && error.to === 'elsewhere');
    assert.equal((await h.api.listEvents(`ratchet/signal/${runId}`)).length, signalEvents, 'nothing was sent');

    const seeded = await seedOf(runId);
    assert.deepEqual(seeded.entries.map((entry) => entry.stepId), ['step:echo#1', 'signal:go#1']);
    const next = 'mv-signal-2';
    await startSeeded(next, runId, seeded);
    await waiting(next, 2);
    await h.client.signal(next, 'note', { n: 'late' }); // after the seeded one: delivered second, not here
    await h.client.approve(next, 'ship', { by: 'dana' });
    const output = (await h.client.result(next, { timeoutMs: 60_000 })) as MigrantOutput;
    assert.equal(output.approvedBy, 'dana', 'approved after the import');
    assert.deepEqual(output.note, { received: true, payload: { n: 'early' } }, 'the handed-over signal came first');
    assert.deepEqual(applied(next), [`${next}:step:echo#2`], 'the seeded step did not run again');
    const journal = await h.client.journal(next);
    assert.deepEqual(journal.slice(0, 2), seeded.entries);
    assert.deepEqual(journal.map((entry) => entry.stepId), ['step:echo#1', 'signal:go#1', 'signal:approval:ship#1', 'signal:note#1', 'step:echo#2']);
  });

  it('wakes a run in a sleep; the seeded run sleeps only what was left of it', async () => {
    const runId = 'mv-sleep';
    await h.client.start(migrantAgent, { wait: 'sleep', sleepMs: 8_000 }, { runId });
    await waiting(runId, 1);
    const source = await migrate(runId);
    const wait = source.migration!.openWait!;
    assert.deepEqual({ stepId: wait.stepId, kind: wait.kind }, { stepId: 'sleep:sleep#1', kind: 'sleep' });
    const { migration } = source;
    assert.ok(migration!.stoppedAt < wait.deadline!, 'woken before the sleep ended');
    assert.ok(wait.deadline! - migration!.stoppedAt > 4_000, `woken at once (${wait.deadline! - migration!.stoppedAt} ms were left)`);
    assert.deepEqual(applied(runId), [`${runId}:step:echo#1`]);

    const next = 'mv-sleep-2';
    await (await startSeeded(next, runId, await seedOf(runId))).result({ timeoutMs: 60_000 });
    const journal = await h.client.journal(next);
    const last = journal.find((entry) => entry.stepId === 'step:echo#2')!;
    assert.ok(last.startedAt >= wait.deadline!, 'the sleep did not end early');
    assert.ok(last.startedAt < wait.deadline! + 1_000, `the sleep was not started again (it ended ${last.startedAt - wait.deadline!} ms after its deadline)`);
    assert.deepEqual(applied(next), [`${next}:step:echo#2`]);
  });

  it('dead-letters a seeded run whose journal does not match the agent', async () => {
    const runId = 'mv-approval';
    await h.client.start(migrantAgent, { wait: 'approval' }, { runId });
    await waiting(runId, 1);
    await migrate(runId);
    const seeded = await seedOf(runId);
    const wrong = { ...seeded, entries: seeded.entries.map((entry) => ({ ...entry, stepId: 'step:other#1' })) };
    const error = await (await startSeeded('mv-wrong', runId, wrong)).result({ timeoutMs: 60_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.ok(error.error instanceof NonDeterminismError || error.error.kind === 'non-determinism', JSON.stringify(error.error));
    assert.deepEqual(applied('mv-wrong'), []);

    // The right journal resumes the approval wait, and the approval lands on the new run.
    await startSeeded('mv-approval-2', runId, seeded);
    await waiting('mv-approval-2', 1);
    await h.client.approve('mv-approval-2', 'ship', { by: 'ops' });
    assert.equal(((await h.client.result('mv-approval-2', { timeoutMs: 60_000 })) as MigrantOutput).approvedBy, 'ops');
  });

  it('refuses a seeded start larger than an event may be, before anything starts', async () => {
    const seeded = await seedOf('mv-approval');
    const huge = { ...seeded, entries: seeded.entries.map((entry, index) => (index === 0 ? { ...entry, output: { text: 'x'.repeat(4 * 1024 * 1024) } } : entry)) };
    const error = await startSeeded('mv-huge', 'mv-approval', huge).catch((e: unknown) => e);
    assert.ok(error instanceof PayloadTooLargeError, String(error));
    assert.equal(error.limitBytes, 3145728);
    assert.match(error.message, /The start event of run "mv-huge" is \d+ bytes, over Inngest's limit of 3145728 bytes: the run was not started/);
    await assert.rejects(h.client.describe('mv-huge'), RunNotFoundError);
  });

  it('leaves a run that already ended as it is', async () => {
    await (await h.client.start(echoAgent, { texts: ['done'] }, { runId: 'mv-done' })).result({ timeoutMs: 30_000 });
    await h.client.requestMigration('mv-done', 'elsewhere');
    assert.equal((await h.client.describe('mv-done')).status, 'completed');
    assert.deepEqual(await h.api.listEvents('ratchet/migrate/mv-done'), []);
  });
});

describe('inngest driver: a migration request outlives a killed worker', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await stopAll();
    await h.close();
  });

  it('is carried out by the next worker after the first was SIGKILLed mid-step', async () => {
    const entry = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
    const env = { RATCHET_DRIVER_OPTIONS: JSON.stringify({ ...h.driverOptions, servePort: 0 }) };
    const spawn = async (): Promise<WorkerProcess> => {
      const worker = spawnWorker(entry, { env });
      await worker.waitForOutput(/worker ready/, 60_000);
      return worker;
    };
    const first = await spawn();
    const runId = 'mv-kill';
    await h.client.start(migrantAgent, { steps: 6, stepMs: 1_000 }, { runId });
    await waitFor('two steps journaled', async () => (await h.client.journal(runId)).length >= 2);
    await first.kill('SIGKILL');
    await h.client.requestMigration(runId, 'elsewhere');
    await spawn();
    const run = await h.client.settled(runId, 60_000);
    assert.equal(run.status, 'migrated');
    assert.equal(run.migration?.openWait, undefined);
    const journal = await h.client.journal(runId);
    assert.ok(journal.length >= 2 && journal.length < 7, `${journal.length} entries`);
    assert.deepEqual(journal.map((e) => e.position), journal.map((_, index) => index));
  });
});

// Steps in a `Promise.all` run in requests of their own, so a sibling at a later position can be
// journaled before an earlier one runs (one waiting out a retry, one whose request came late). The
// real server is not needed to show what the host then does; a request is faked around it.
describe('inngest host: safe points for a migration stop', () => {
  const entry = (position: number, stepId: string): EntryRecord => ({
    ratchet: 'entry',
    entry: { position, stepId, kind: 'step', name: 'echo', inputDigest: 'd', status: 'completed', output: { text: 'B' }, attempts: 1, startedAt: 1, completedAt: 1, execution: 1 },
  });
  const host = (memoized: EntryRecord[]) => {
    const executed: string[] = [];
    const migrations = new MigrationWatch<MigrationRequest>();
    const watched = migrations.watch('r');
    // The worker's notice function has told this request of the migration request.
    migrations.note('r', { runId: 'r', to: 'elsewhere' });
    const options: HostOptions = {
      app: 'ratchet',
      runId: 'r',
      inngestRunId: 'inngest-r',
      startEventTs: 0,
      journalVersion: 1,
      agent: 'pair',
      seed: 'r',
      attempt: 0,
      memoized: Object.fromEntries(memoized.map((record) => [createHash('sha1').update(record.entry.stepId).digest('hex'), { type: 'data', data: record }])),
      startEventBytes: 0,
      steps: { run: async (_id, body) => body(), waitForEvent: async () => null, sendEvent: async () => null },
      executor: { execute: async (_target: unknown, _input: unknown, context: { stepId: string }) => (executed.push(context.stepId), { output: { text: 'A' }, compensable: false }) } as unknown as HostOptions['executor'],
      api: { listEvents: async (name: string) => (name.includes('/migrate/') ? [{ internal_id: '1', name, data: { runId: 'r', to: 'elsewhere' }, ts: 0 }] : []) } as unknown as ServerApi,
      migrations,
      watched,
      signal: new AbortController().signal,
      limits: { maxStepOutputBytes: 1_000_000, maxRunStateBytes: 10_000_000, maxSteps: 1_000, maxEventBytes: 3_145_728 },
      recheckMs: 1_000,
      recheckMaxMs: 1_000,
    };
    return { host: new InngestHost(options), executed };
  };
  const call = (position: number, stepId: string) => ({
    position,
    stepId,
    kind: 'step' as const,
    name: 'echo',
    target: { type: 'step' as const, name: 'echo' },
    input: { text: 'a' },
    retry: { maxAttempts: 3, initialIntervalMs: 50, backoffCoefficient: 2, maxIntervalMs: 1_000 },
  });

  it('runs a step whose later sibling is journaled, and stops at the next one', async () => {
    const { host: h, executed } = host([entry(1, 'step:echo#2')]);
    assert.deepEqual(await h.effect(call(0, 'step:echo#1')), { output: { text: 'A' }, compensable: false });
    assert.deepEqual(executed, ['step:echo#1'], 'no gap: the earlier sibling ran');
    const stop = await h.effect(call(2, 'step:echo#3')).catch((error: unknown) => error);
    assert.ok(ExecutionInterrupt.isInstance(stop) && stop.reason === 'migrate', String(stop));
    const outcome = h.migrated(stop);
    assert.deepEqual([outcome.status, outcome.to, outcome.openWait], ['migrated', 'elsewhere', undefined]);
    assert.deepEqual(executed, ['step:echo#1']);
  });
});
