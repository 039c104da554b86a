import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetExceededError, isProviderError, promptTexts, ProviderError, RatchetError, serializeError, type RouteAttempt } from '../src/index.ts';
import { fitRequestToBudget, ModelCatalog, withRouteAttempts } from '../src/worker/index.ts';

const attempts: RouteAttempt[] = [{ model: 'openai:gpt-a', outcome: 'failed', errorClass: 'rate-limited', latencyMs: 3 }];

describe('withRouteAttempts', () => {
  it('copies the error with the attempts in its data and leaves the caught one as it was', () => {
    const caught = new ProviderError('rate-limited', 'openai:gpt-a failed (rate-limited): 429', { provider: 'openai', model: 'gpt-a', status: 429, retryAfterMs: 2000, cause: 'why' });
    const copy = withRouteAttempts(caught, attempts);
    assert.notEqual(copy, caught);
    assert.deepEqual(caught.data, { errorClass: 'rate-limited', provider: 'openai', model: 'gpt-a', status: 429 });
    assert.ok(copy instanceof ProviderError && RatchetError.isInstance(copy));
    assert.deepEqual([copy.message, copy.stack, copy.cause, copy.errorClass, copy.retryable, copy.retryAfterMs], [caught.message, caught.stack, 'why', 'rate-limited', true, 2000]);
    assert.equal(
      JSON.stringify(serializeError(copy)),
      JSON.stringify({ ...serializeError(caught), data: { errorClass: 'rate-limited', provider: 'openai', model: 'gpt-a', status: 429, routeAttempts: attempts } }),
    );
    attempts.push({ model: 'x:y', outcome: 'answered', latencyMs: 1 });
    assert.equal((copy.data.routeAttempts as RouteAttempt[]).length, 1);
    attempts.pop();
  });

  it('works on any RatchetError', () => {
    const copy = withRouteAttempts(new BudgetExceededError('llm:a#1', 'maxTotalTokens', '(route r)'), attempts);
    assert.ok(copy instanceof BudgetExceededError);
    assert.deepEqual(Object.keys(copy.data), ['stepId', 'limit', 'routeAttempts']);
  });
});

describe('fitRequestToBudget', () => {
  const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], maxOutputTokens: 500 };
  const catalog = new ModelCatalog({ 'acme:m': { inputUsdPerMillion: 5_000, outputUsdPerMillion: 10_000 } });

  it('caps the output at the tightest limit: its own, the output, the total and the cost budget', () => {
    const fit = (budget: Parameters<typeof fitRequestToBudget>[2]) => fitRequestToBudget(request, 100, budget, catalog, 'acme:m');
    assert.deepEqual(fit({}), { request });
    assert.deepEqual(fit({ outputTokens: 80 }), { request: { ...request, maxOutputTokens: 80 } });
    assert.deepEqual(fit({ totalTokens: 150, outputTokens: 80 }), { request: { ...request, maxOutputTokens: 50 } });
    // $1.50 left; the prompt costs 100 × $5,000/M = $0.50, so $1 buys 100 output tokens at $10,000/M.
    assert.deepEqual(fit({ costUsd: 1.5 }), { request: { ...request, maxOutputTokens: 100 } });
    assert.deepEqual(fitRequestToBudget({ ...request, maxOutputTokens: undefined }, 100, { costUsd: 1 }, new ModelCatalog(), 'acme:unpriced'), { request: { ...request, maxOutputTokens: undefined } });
  });

  it('refuses what the prompt alone breaks, or a call left no output token', () => {
    const fit = (budget: Parameters<typeof fitRequestToBudget>[2]) => fitRequestToBudget(request, 100, budget, catalog, 'acme:m');
    assert.deepEqual(fit({ inputTokens: 99 }), { refusal: 'maxInputTokens: about 100 input tokens, 99 left' });
    assert.deepEqual(fit({ inputTokens: 100 }), { request });
    assert.deepEqual(fit({ totalTokens: 100 }), { refusal: 'maxTotalTokens: about 100 input tokens, 100 left' });
    assert.deepEqual(fit({ costUsd: 0.25 }), { refusal: 'maxCostUsd: the prompt alone costs about $0.500000, $0.250000 left' });
    assert.deepEqual(fit({ outputTokens: 0 }), { refusal: 'no output tokens left ({"outputTokens":0})' });
  });
});

describe('route helpers', () => {
  it('lists the prompt texts: each message, tool calls as JSON, and the tool schemas', () => {
    const toolCalls = [{ id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' }];
    const tools = [{ name: 'weather', description: 'Weather', inputSchema: { type: 'object' } }];
    assert.deepEqual(
      promptTexts({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'assistant', content: 'Checking.', toolCalls }, { role: 'tool', toolCallId: 'c1', content: '18°C' }], tools }),
      ['Be brief.', `Checking.${JSON.stringify(toolCalls)}`, '18°C', JSON.stringify(tools)],
    );
  });

  it('knows a provider error by marker and kind', () => {
    assert.equal(isProviderError(new ProviderError('auth', 'no', { provider: 'p', model: 'm' })), true);
    assert.equal(isProviderError(new RatchetError('provider', 'from another copy of core')), true);
    assert.equal(isProviderError(new RatchetError('terminal', 'no')), false);
    assert.equal(isProviderError(new Error('no')), false);
  });
});
