import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { RunFailedError } from '@ratchet/core';
import { stopAll } from '@ratchet/testing';
import { budgetedLabAgent, llmLabAgent, notePromptV1, notePromptV2, pinnedAgentV1 } from '../fixtures/llm-agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

// Routing, budgets, prompt versions, context windows, tool repair and streaming: core logic that
// every driver inherits, checked on each of them with the official SDK clients and faults injected.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: LLM-aware layer`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(() => s.close());
    const requestsOf = (runId: string, model: string) => s.modelRequestsFor(`(run ${runId})`).filter((r) => r.model === model).length;

    it('falls back when the primary is rate-limited, and replays the fallback answer after a kill', async () => {
      const runId = 'llm-fallback';
      s.models.script({ match: { model: 'gpt-primary' }, fault: 'rate-limit', retryAfterSeconds: 0, times: 2 });
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'publish');
      await s.client.start(llmLabAgent, { mode: 'fallback' }, { runId });
      await killed;
      await s.spawnWorker();
      const output = await s.client.result<{ models: string[] }>(runId, { timeoutMs: 120_000 });
      assert.deepEqual(output.models, ['anthropic:claude-fallback', 'openai:gpt-plain']);
      assert.equal(requestsOf(runId, 'gpt-primary'), 2, 'the primary was tried twice (one retry) and never again');
      assert.equal(requestsOf(runId, 'claude-fallback'), 1, 'the fallback answer was replayed, not asked again');
      const [answer] = await s.client.journal(runId);
      assert.deepEqual(answer!.completion!.routeAttempts.map((a) => [a.model, a.outcome, a.errorClass]), [
        ['openai:gpt-primary', 'failed', 'rate-limited'],
        ['openai:gpt-primary', 'failed', 'rate-limited'],
        ['anthropic:claude-fallback', 'answered', undefined],
      ]);
      assert.equal(answer!.completion!.requested, 'route:fallback');
    });

    it('does not fall through on an auth error', async () => {
      const runId = 'llm-auth';
      s.models.script({ match: { model: 'gpt-primary' }, fault: 'auth' });
      await s.spawnWorker();
      await s.client.start(llmLabAgent, { mode: 'fallback' }, { runId });
      const error = await s.client.result(runId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.equal(error.error.kind, 'provider');
      assert.equal(error.error.data?.errorClass, 'auth');
      assert.doesNotMatch(error.error.message, /test-key/);
      assert.equal(requestsOf(runId, 'claude-fallback'), 0);
    });

    it('treats a refusal as a content-policy failure: terminal by default, a fallback where the route says so', async () => {
      s.models.script({ match: { model: 'claude-refuses' }, fault: 'content-policy', times: 2 });
      await s.spawnWorker();
      const failed = await (await s.client.start(llmLabAgent, { mode: 'refusal' }, { runId: 'llm-refusal' })).result({ timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(failed instanceof RunFailedError, String(failed));
      assert.equal(failed.error.data?.errorClass, 'content-policy');
      const output = await (await s.client.start(llmLabAgent, { mode: 'refusal-fallback' }, { runId: 'llm-refusal-fallback' })).result({ timeoutMs: 120_000 });
      assert.deepEqual(output.models, ['openai:gpt-plain']);
    });

    it('moves a request that cannot fit a window to the larger model, before calling the small one', async () => {
      const runId = 'llm-window';
      await s.spawnWorker();
      const output = await (await s.client.start(llmLabAgent, { mode: 'window' }, { runId })).result({ timeoutMs: 120_000 });
      assert.deepEqual(output.models, ['anthropic:claude-large-window']);
      assert.equal(requestsOf(runId, 'gpt-small-window'), 0);
      const [entry] = await s.client.journal(runId);
      assert.deepEqual(entry!.completion!.routeAttempts.map((a) => [a.model, a.outcome, a.reason]), [
        ['openai:gpt-small-window', 'skipped', 'context-window'],
        ['anthropic:claude-large-window', 'answered', undefined],
      ]);
    });

    it('moves on when the provider itself says the context is too long', async () => {
      const runId = 'llm-context-length';
      s.models.script({ match: { model: 'gpt-primary' }, fault: 'context-length' });
      await s.spawnWorker();
      const output = await (await s.client.start(llmLabAgent, { mode: 'fallback' }, { runId })).result({ timeoutMs: 120_000 });
      assert.deepEqual(output.models, ['anthropic:claude-fallback', 'openai:gpt-plain']);
      const [entry] = await s.client.journal(runId);
      assert.deepEqual(entry!.completion!.routeAttempts.map((a) => [a.outcome, a.errorClass]), [['failed', 'context-too-long'], ['answered', undefined]]);
    });

    it('refuses the completion that would exceed the budget at the same step, with or without a crash', async () => {
      s.models.script({ match: { model: 'gpt-budget' }, text: 'noted', usage: { inputTokens: 40, outputTokens: 60 }, times: Infinity });
      await s.spawnWorker();
      const plain = await s.client.start(budgetedLabAgent, { mode: 'budget' }, { runId: 'llm-budget' });
      const plainError = await plain.result({ timeoutMs: 120_000 }).catch((e: unknown) => e);

      await stopAll();
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, 'llm-budget-crash', 'publish');
      await s.client.start(budgetedLabAgent, { mode: 'budget' }, { runId: 'llm-budget-crash' });
      await killed;
      await s.spawnWorker();
      const crashedError = await s.client.result('llm-budget-crash', { timeoutMs: 120_000 }).catch((e: unknown) => e);

      for (const [runId, error] of [['llm-budget', plainError], ['llm-budget-crash', crashedError]] as const) {
        assert.ok(error instanceof RunFailedError, String(error));
        assert.equal(error.error.kind, 'budget-exceeded');
        assert.match(error.error.message, /Budget exceeded at llm:budgeted#3: maxTotalTokens/);
        assert.equal(requestsOf(runId, 'gpt-budget'), 2, 'the third completion was never sent');
        const journal = await s.client.journal(runId);
        assert.deepEqual(journal.map((e) => [e.stepId, e.status]), [
          ['llm:budgeted#1', 'completed'], ['llm:budgeted#2', 'completed'], ['tool:publish#1', 'completed'], ['llm:budgeted#3', 'failed'],
        ]);
        assert.equal((await s.client.describe(runId)).usage!.totalTokens, 200);
      }
    });

    it('lets a run override the agent budget at start', async () => {
      s.models.script({ match: { model: 'gpt-budget' }, text: 'noted', usage: { inputTokens: 40, outputTokens: 60 }, times: Infinity });
      await s.spawnWorker();
      const run = await s.client.start(budgetedLabAgent, { mode: 'budget' }, { runId: 'llm-budget-override', budget: { maxTotalTokens: 100 } });
      const error = await run.result({ timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.match(error.error.message, /Budget exceeded at llm:budgeted#2: maxTotalTokens/);
      assert.equal(requestsOf('llm-budget-override', 'gpt-budget'), 1);
      await assert.rejects(s.client.start(budgetedLabAgent, { mode: 'budget' }, { budget: { maxTotalTokens: -5 } }), /Invalid run options: budget\.maxTotalTokens/);
    });

    it('steps down to a cheaper model on the route when the budget cannot pay for the first', async () => {
      const runId = 'llm-step-down';
      await s.spawnWorker();
      const output = await (await s.client.start(budgetedLabAgent, { mode: 'step-down' }, { runId })).result({ timeoutMs: 120_000 });
      assert.deepEqual(output.models, ['openai:gpt-cheap']);
      assert.equal(requestsOf(runId, 'gpt-pricey'), 0);
      const [entry] = await s.client.journal(runId);
      assert.deepEqual(entry!.completion!.routeAttempts.map((a) => [a.model, a.outcome, a.reason]), [
        ['openai:gpt-pricey', 'skipped', 'budget'],
        ['openai:gpt-cheap', 'answered', undefined],
      ]);
      const usage = entry!.completion!.usage;
      assert.equal(entry!.completion!.costUsd, (usage.inputTokens * 0.1 + usage.outputTokens * 0.4) / 1_000_000);
      // The cheap model's output was capped to what the token budget had left.
      const sent = s.modelRequestsFor(`(run ${runId})`)[0]!.body as { max_completion_tokens?: number };
      assert.ok(sent.max_completion_tokens !== undefined && sent.max_completion_tokens <= 200);
    });

    it('keeps the pinned prompt version across a deploy; a new run gets the new one', async () => {
      const runId = 'llm-pinned';
      const first = await s.spawnWorker();
      await s.client.start(pinnedAgentV1, { topic: 'tides' }, { runId });
      await s.waitUntilWaiting(runId);
      await first.kill();
      await s.spawnWorker({ variant: 'prompt-v2' });
      await s.client.approve(runId, 'second-note');
      const inFlight = await s.client.result<{ versions: string[] }>(runId, { timeoutMs: 120_000 });
      assert.deepEqual(inFlight.versions, [notePromptV1.version, notePromptV1.version]);
      const requests = s.models.requests.filter((r) => JSON.stringify(r.body).includes('note about tides'));
      assert.ok(requests.every((r) => !JSON.stringify(r.body).includes('cheerful')), 'the in-flight run never rendered v2');

      const fresh = await s.client.start(pinnedAgentV1, { topic: 'tides' }, { runId: 'llm-pinned-new' });
      await s.waitUntilWaiting('llm-pinned-new');
      await s.client.approve('llm-pinned-new', 'second-note');
      assert.deepEqual((await fresh.result({ timeoutMs: 120_000 })).versions, [notePromptV2.version, notePromptV2.version]);
      const journal = await s.client.journal(runId);
      assert.deepEqual(journal.filter((e) => e.kind === 'llm').map((e) => e.completion!.prompt), [
        { name: 'note', version: notePromptV1.version },
        { name: 'note', version: notePromptV1.version },
      ]);
    });

    it('resolves a prompt label to a version from the worker registry', async () => {
      await s.spawnWorker();
      const output = await (await s.client.start(llmLabAgent, { mode: 'label' }, { runId: 'llm-label' })).result({ timeoutMs: 120_000 });
      assert.equal(output.texts[1], `note@${notePromptV1.version}`);
      const journal = await s.client.journal('llm-label');
      assert.deepEqual(journal.map((e) => e.stepId), ['prompt:note#1', 'llm:labelled#1']);
      assert.equal((journal[0]!.output as { template: string }).template, notePromptV1.template);
    });

    it('feeds malformed tool arguments back to the model and never executes them', async () => {
      const runId = 'llm-tools';
      s.models.script(
        { match: { model: 'gpt-tools' }, toolCalls: [{ name: 'publish', arguments: '{"title": "tides", "body": ' }] },
        { match: { model: 'gpt-tools' }, toolCalls: [{ name: 'publish', arguments: { title: 'tides', body: 'High and low.' } }] },
        { match: { model: 'gpt-tools' }, text: 'Published.' },
      );
      await s.spawnWorker();
      const output = await (await s.client.start(llmLabAgent, { mode: 'tools' }, { runId })).result({ timeoutMs: 120_000 });
      assert.deepEqual(output.texts, ['Published.']);
      assert.deepEqual(s.effectsOf(runId).map((e) => e.payload), [{ title: 'tides', body: 'High and low.' }]);
      const journal = await s.client.journal(runId);
      assert.deepEqual(journal.map((e) => e.stepId), ['llm:agentic#1', 'llm:agentic#2', 'tool:publish#1', 'llm:agentic#3']);
      const repair = JSON.stringify(s.modelRequestsFor(`(run ${runId})`)[1]!.body);
      assert.match(repair, /arguments are not valid JSON/);
    });

    it('raises ToolCallError when the model keeps sending invalid arguments', async () => {
      const runId = 'llm-tools-broken';
      s.models.script({ match: { model: 'gpt-tools' }, toolCalls: [{ name: 'publish', arguments: { title: 7 } }], times: 2 });
      await s.spawnWorker();
      const error = await (await s.client.start(llmLabAgent, { mode: 'tools' }, { runId })).result({ timeoutMs: 120_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof RunFailedError, String(error));
      assert.equal(error.error.kind, 'tool-call');
      assert.match(error.error.message, /"publish" is still invalid after 1 repair/);
      assert.equal(s.effectsOf(runId).length, 0);
    });

    it('streams tokens live and replays the assembled completion without streaming again', async () => {
      const runId = 'llm-stream';
      const first = await s.spawnWorker();
      const killed = s.killOnEffect(first, runId, 'publish');
      await s.client.start(llmLabAgent, { mode: 'stream' }, { runId });
      await killed;
      const second = await s.spawnWorker();
      const output = await s.client.result<{ texts: string[] }>(runId, { timeoutMs: 120_000 });
      const tokens = (worker: typeof first) => [...worker.output().matchAll(new RegExp(`token ${runId} llm:streamed#1 (".*")`, 'g'))].map((m) => JSON.parse(m[1]!) as string);
      assert.ok(tokens(first).length > 1, 'the answer arrived in several deltas');
      assert.equal(tokens(first).join(''), output.texts[0]);
      assert.equal(tokens(second).length, 0, 'the replay did not stream or call the model');
      assert.equal(requestsOf(runId, 'claude-stream'), 1);
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
