import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { z } from 'zod';
import { ConfigError, definePrompt, defineRoute, remainingBudget, renderPrompt, pinOf } from '../src/index.ts';
import { estimatePromptTokens, ModelCatalog } from '../src/worker/index.ts';

describe('LLM-aware pieces', () => {
  it('knows windows and prices from the bundled catalog, with the user table on top', () => {
    const catalog = new ModelCatalog({ 'openai:gpt-4o-mini': { outputUsdPerMillion: 1 } });
    assert.equal(catalog.facts('openai:gpt-4o-mini').contextWindow, 128_000);
    assert.equal(catalog.facts('openai:gpt-4o-mini').inputUsdPerMillion, 0.15);
    assert.equal(catalog.cost('openai:gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 }), 1.15);
    assert.deepEqual(catalog.facts('acme:unknown-model'), {});
    assert.equal(catalog.cost('acme:unknown-model', { inputTokens: 1, outputTokens: 1 }), undefined);
  });

  it('estimates a prompt with the real o200k_base tokenizer for a provider with no estimate of its own', () => {
    const text = 'Durable agents never ask the model twice.';
    const request = { model: 'm', messages: [{ role: 'user' as const, content: text }] };
    assert.equal(estimatePromptTokens(request), countTokens(text) + 3 + 3);
  });

  it('versions prompts by content unless told, and renders typed variables', () => {
    const a = definePrompt({ name: 'p', variables: z.object({ x: z.string() }), template: 'Hi {{x}}' });
    const b = definePrompt({ name: 'p', variables: z.object({ x: z.string() }), template: 'Hello {{x}}' });
    assert.notEqual(a.version, b.version);
    assert.equal(definePrompt({ name: 'p', version: '7', variables: z.object({}), template: 't' }).version, '7');
    assert.deepEqual(renderPrompt(pinOf(a), { x: 'there' }).messages, [{ role: 'user', content: 'Hi there' }]);
    assert.throws(() => renderPrompt(pinOf(a), {}), ConfigError);
  });

  it('derives what is left of a budget; unlimited stays unlimited', () => {
    assert.deepEqual(remainingBudget({ maxTotalTokens: 100, maxCostUsd: 1 }, { inputTokens: 30, outputTokens: 50, totalTokens: 80, costUsd: 2 }), {
      totalTokens: 20,
      costUsd: 0,
    });
  });

  it('refuses a route with a malformed model id', () => {
    assert.throws(() => defineRoute({ name: 'r', models: ['gpt-4o'] }), /must look like "provider:model"/);
  });
});

describe('model cooldown', () => {
  it('skips a model after repeated failures within the window, and forgets them after it', async () => {
    const { ModelCooldown } = await import('../src/worker/model-cooldown.ts');
    const cooldown = new ModelCooldown();
    for (const at of [0, 10, 20]) cooldown.recordFailure('openai:m', at);
    assert.equal(cooldown.isCooling('openai:m', 3, 100, 50), true);
    assert.equal(cooldown.isCooling('openai:m', 3, 100, 150), false);
    cooldown.recordFailure('openai:m', 200);
    cooldown.recordSuccess('openai:m');
    assert.equal(cooldown.isCooling('openai:m', 1, 100, 201), false);
  });
});
