import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { stopAll } from '@ratchet/testing';
import { writerAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

// Completions through the official OpenAI and Anthropic clients against the scripted model server.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: completions`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(() => s.close());

    it('journals each completion with the model that answered and its usage', async () => {
      await s.spawnWorker();
      const output = await (await s.client.start(writerAgent, { topic: 'tides' }, { runId: 'writer-plain' })).result({ timeoutMs: 120_000 });
      const journal = await s.client.journal('writer-plain');
      assert.deepEqual(journal.map((e) => e.stepId), ['llm:outline#1', 'llm:draft#1', 'tool:publish#1']);
      const [outline, draft] = journal;
      assert.deepEqual([outline!.completion?.provider, outline!.completion?.model, outline!.completion?.requested], ['openai', 'gpt-4o-mini', 'openai:gpt-4o-mini']);
      assert.deepEqual([draft!.completion?.provider, draft!.completion?.requested], ['anthropic', 'anthropic:claude-sonnet-4-5']);
      assert.ok(outline!.completion!.usage.totalTokens > 0);
      assert.equal(output.model, 'claude-sonnet-4-5');
      const usage = (await s.client.describe('writer-plain')).usage!;
      assert.equal(usage.totalTokens, outline!.completion!.usage.totalTokens + draft!.completion!.usage.totalTokens);
      assert.equal(s.modelRequestsFor('writer-plain').length, 2);
    });

    it('does not ask again for a journaled completion when killed before the next one is answered', async () => {
      const runId = 'writer-kill-draft';
      const first = await s.spawnWorker();
      // The outline is journaled before the draft is asked for: kill the worker while the draft is in flight.
      const killed = s.killOnModelRequest(first, `Draft from this outline`);
      await s.client.start(writerAgent, { topic: 'tides' }, { runId });
      await killed;
      await s.spawnWorker();
      const output = await s.client.result<{ outline: string; draft: string }>(runId, { timeoutMs: 120_000 });
      // The outline goes to the OpenAI API, the draft to the Anthropic API.
      const asked = (api: string) => s.modelRequestsFor(`(run ${runId})`).filter((r) => r.api === api).length;
      assert.equal(asked('openai'), 1, 'the journaled completion was not asked again');
      assert.equal(asked('anthropic'), 2, 'the unanswered one was asked again once');
      const journal = await s.client.journal(runId);
      assert.equal((journal[0]!.output as { text: string }).text, output.outline);
      assert.equal(journal[0]!.execution, 1);
      assert.ok(journal[1]!.execution >= 2);
      assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['publish']);
    });

    it('asks no model again when killed after both completions, and publishes once', async () => {
      const runId = 'writer-kill-publish';
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'publish');
      await s.client.start(writerAgent, { topic: 'tides' }, { runId });
      await killed;
      await s.spawnWorker();
      const output = await s.client.result<{ outline: string; draft: string }>(runId, { timeoutMs: 120_000 });
      assert.equal(s.modelRequestsFor(`(run ${runId})`).length, 2);
      assert.deepEqual(s.attemptsOf(runId).map((a) => [a.type, a.duplicate]), [['publish', false], ['publish', true]]);
      const crashFree = await (await s.client.start(writerAgent, { topic: 'tides' }, { runId: 'writer-crash-free' })).result({ timeoutMs: 120_000 });
      assert.equal(output.outline.replace(runId, ''), crashFree.outline.replace('writer-crash-free', ''), 'the same answer as a crash-free run');
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
