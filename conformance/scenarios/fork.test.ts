import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forkRun, formatPortableJournal, JournalDocumentError, MigrationError, RunDeadLetteredError, RunNotFoundError, type JournalEntry } from '@ratchet/core';
import { travellerAgent } from '../fixtures/migration-agents.ts';
import { askedBy } from '../harness/asked-by.ts';
import { comparableEntry, describeJournalAgreement } from '../harness/journal-book.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';

// Forks, seeded runs whose code does not match, and documents refused before anything starts.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: fork and import`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
      await s.spawnWorker();
    });
    after(() => s.close());

    const asked = (runId: string, api: 'openai' | 'anthropic') => askedBy(s.models, runId, api);

    it("forks a finished run at a step: completions before it are not asked again, effects after it run under the fork's keys", async () => {
      const output = await (await s.client.start(travellerAgent, { topic: 'fork-src', steps: 1, wait: 'none' }, { runId: 'fork-src' })).result({ timeoutMs: 120_000 });
      const fork = await forkRun(s.client, 'fork-src', { at: 'llm:summary#1', runId: 'fork-src-b' });
      assert.equal(fork.at, 4);
      const forked = await fork.handle.result({ timeoutMs: 120_000 }) as typeof output;
      assert.equal(forked.draft, output.draft, 'the draft was answered from the journal');
      assert.deepEqual([asked('fork-src', 'openai'), asked('fork-src', 'anthropic')], [1, 1]);
      assert.deepEqual([asked('fork-src-b', 'openai'), asked('fork-src-b', 'anthropic')], [0, 1], 'only the summary was asked again');
      assert.deepEqual(s.effectsOf('fork-src-b').map((e) => e.idempotencyKey), ['fork-src-b:step:ship#1']);
      assert.deepEqual(s.effectsOf('fork-src').map((e) => e.type), ['reserve', 'advance', 'ship'], 'the source is untouched');
      const [source, copy] = await Promise.all([s.client.journal('fork-src'), s.client.journal('fork-src-b')]);
      assert.deepEqual(copy.slice(0, 4).map(comparableEntry), source.slice(0, 4).map(comparableEntry));
      assert.equal(forked.tokensUsed, copy.reduce((sum, entry) => sum + (entry.completion?.usage.totalTokens ?? 0), 0), 'the carried completion counts in the budget');
      assert.equal((await s.client.describe('fork-src-b')).seededSteps, 4);
    });

    it('forks a live run waiting on an approval; each run waits for its own', async () => {
      await s.client.start(travellerAgent, { topic: 'fork-live' }, { runId: 'fork-live' });
      await s.waitUntilWaiting('fork-live');
      const fork = await forkRun(s.client, 'fork-live', { at: 3, runId: 'fork-live-b' }); // the wait has no entry yet: fork at its position
      await s.waitUntilWaiting('fork-live-b');
      await s.client.approve('fork-live-b', 'ship', { by: 'b' });
      assert.equal(((await fork.handle.result({ timeoutMs: 120_000 })) as { approvedBy: string }).approvedBy, 'b');
      assert.equal((await s.client.describe('fork-live')).status, 'waiting');
      await s.client.approve('fork-live', 'ship', { by: 'a' });
      assert.equal((await s.client.result<{ approvedBy: string }>('fork-live', { timeoutMs: 120_000 })).approvedBy, 'a');
      assert.deepEqual(s.effectsOf('fork-live').map((e) => e.type), ['reserve', 'ship']);
      assert.deepEqual(s.effectsOf('fork-live-b').map((e) => e.type), ['ship'], 'the reservation was the source\'s, made once');
    });

    it('dead-letters a seeded run whose journal the code does not match, naming the first divergent step, before anything past it runs', async () => {
      const journal = await s.client.export('fork-src');
      const entries = (journal.entries as JournalEntry[]).map((entry) => (entry.position === 2 ? { ...entry, stepId: 'tool:charge#1', name: 'charge' } : entry));
      const start = { input: journal.run.input, inputDigest: journal.run.inputDigest, seed: journal.run.seed };
      const run = await s.client.startSeeded('fork-diverged', 'traveller', start, { entries, signals: [] });
      await assert.rejects(run.result({ timeoutMs: 120_000 }), (error: unknown) => {
        assert.ok(error instanceof RunDeadLetteredError, String(error));
        assert.equal(error.error.kind, 'non-determinism');
        assert.match(error.error.message, /at step 2: the journal has "tool:charge#1" but the agent asked for "tool:reserve#1"/);
        return true;
      });
      assert.deepEqual(s.effectsOf('fork-diverged'), []);
      assert.equal(s.modelRequestsFor('(run fork-diverged)').length, 0);
    });

    it('refuses a tampered, cut, newer or still-live document before anything starts', async () => {
      const text = formatPortableJournal(await s.client.export('fork-src')).replaceAll('fork-src', 'fork-copy');
      const refused = (document: string, problem: string) =>
        assert.rejects(s.client.import(document), (error: unknown) => error instanceof JournalDocumentError && error.problem === problem);
      await refused(text, 'tampered');
      await refused(text.slice(0, text.length - 40), 'truncated');
      await refused(JSON.stringify({ ...JSON.parse(text), version: 2 }), 'unsupported-version');
      await assert.rejects(s.client.describe('fork-copy'), RunNotFoundError);

      await s.client.start(travellerAgent, { topic: 'fork-waiting' }, { runId: 'fork-waiting' });
      await s.waitUntilWaiting('fork-waiting');
      await assert.rejects(s.client.import(await s.client.export('fork-waiting')), (error: unknown) => error instanceof MigrationError && /exported while waiting/.test(error.message));
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
