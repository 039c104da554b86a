import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routePolicySchema, type ModelProvider, type ModelRequest } from '@ratchet/core';
import {
  checkContextWindow,
  estimatePromptTokens,
  fitBudget,
  ModelCatalog,
  ModelCooldown,
  ModelSkipped,
  promptTokenEstimate,
  recordAttempts,
  retryPerErrorClass,
  RouteAttemptLog,
  skipCoolingModels,
  wrapProvider,
  type ProviderMiddleware,
  type Skip,
} from '@ratchet/core/worker';
import { failure } from './failure.ts';
import { useModelTestbed } from './model-testbed.ts';

const testbed = useModelTestbed();

const { gpt, claude } = testbed;
const ask = (content: string, model = 'gpt-test'): ModelRequest => ({ model, messages: [{ role: 'user', content }] });
const policy = (input: Parameters<typeof routePolicySchema.parse>[0] = {}) => routePolicySchema.parse(input);

/** The skip a call was refused with; fails the test if it was not skipped. */
async function skipped(call: Promise<unknown>): Promise<Skip> {
  const error = await call.then(
    () => assert.fail('expected the model to be skipped'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ModelSkipped, `expected ModelSkipped, got ${String(error)}`);
  return error.skip;
}

describe('wrapProvider', () => {
  it('folds middleware first-outermost, each transform before its wrap, and keeps id and estimate', async () => {
    const order: string[] = [];
    const layer = (name: string, maxOutputTokens: number): ProviderMiddleware => ({
      transformRequest: ({ request }) => (order.push(`${name}.transform`), { ...request, maxOutputTokens }),
      wrapComplete: async ({ doComplete, request }) => {
        order.push(`${name}.wrap(${request.maxOutputTokens})`);
        return doComplete();
      },
    });
    const provider = claude();
    const wrapped = wrapProvider(provider, [layer('a', 10), layer('b', 20)]);
    await wrapped.doComplete(ask('hi', 'claude-test'), {});
    assert.deepEqual(order, ['a.transform', 'a.wrap(10)', 'b.transform', 'b.wrap(20)']);
    assert.equal(testbed.server.requests[0]?.body.max_tokens, 20);
    assert.deepEqual([wrapped.id, wrapped.specificationVersion], ['anthropic', 'ratchet.provider.v1']);
    assert.equal(wrapped.estimateTokens?.(ask('hello there')), provider.estimateTokens?.(ask('hello there')));
  });

  it('gives each piece the unwrapped provider, and leaves out an estimate the provider lacks', async () => {
    const inner = gpt();
    const handWritten: ModelProvider = { specificationVersion: 'ratchet.provider.v1', id: 'mine', doComplete: (request, options) => inner.doComplete(request, options) };
    const seen: ModelProvider[] = [];
    const watch: ProviderMiddleware = { wrapComplete: ({ doComplete, provider }) => (seen.push(provider), doComplete()) };
    const wrapped = wrapProvider(handWritten, [watch, watch]);
    await wrapped.doComplete(ask('hi'), {});
    assert.deepEqual(seen, [handWritten, handWritten]);
    assert.equal('estimateTokens' in wrapped, false);
  });
});

describe('retryPerErrorClass', () => {
  const fast = { initialBackoffMs: 1, maxBackoffMs: 2 };

  it('retries a rate limit no sooner than retry-after, as often as the policy allows, then rethrows it', async () => {
    testbed.server.script({ fault: 'rate-limit', retryAfterSeconds: 0.2, times: 3 });
    const wrapped = wrapProvider(gpt(), [retryPerErrorClass(policy({ ...fast, retries: { 'rate-limited': 2 } }))]);
    const error = await failure(wrapped.doComplete(ask('hi'), {}));
    assert.equal(error.errorClass, 'rate-limited');
    assert.equal(testbed.server.requests.length, 3);
    const [first, second, third] = testbed.server.requests.map((request) => request.at);
    assert.ok(second! - first! >= 190 && third! - second! >= 190, `waited ${second! - first!} and ${third! - second!} ms`);
  });

  it('answers once a retry succeeds, and backs off exponentially up to maxBackoffMs', async () => {
    testbed.server.script({ fault: 'overloaded', times: 3 }, { text: 'up again' });
    const wrapped = wrapProvider(gpt(), [retryPerErrorClass(policy({ initialBackoffMs: 60, maxBackoffMs: 100, retries: { overloaded: 3 } }))]);
    assert.equal((await wrapped.doComplete(ask('hi'), {})).text, 'up again');
    const gaps = testbed.server.requests.slice(1).map((request, index) => request.at - testbed.server.requests[index]!.at);
    assert.ok(gaps[0]! >= 55 && gaps[0]! < 110, `first wait ${gaps[0]}`);
    assert.ok(gaps[1]! >= 95 && gaps[2]! >= 95, `later waits ${gaps.join(', ')} (120, capped at 100)`);
  });

  it('counts retries per error class', async () => {
    testbed.server.script({ fault: 'server-error', times: 5 });
    const wrapped = wrapProvider(gpt(), [retryPerErrorClass(policy({ ...fast, retries: { 'rate-limited': 4, overloaded: 1 } }))]);
    assert.equal((await failure(wrapped.doComplete(ask('hi'), {}))).errorClass, 'overloaded');
    assert.equal(testbed.server.requests.length, 2);
  });

  it('passes a terminal error at once, and a retry-after longer than maxRetryAfterMs without waiting', async () => {
    testbed.server.script({ fault: 'auth' }, { fault: 'rate-limit', retryAfterSeconds: 30 });
    const wrapped = wrapProvider(gpt(), [retryPerErrorClass(policy({ ...fast, maxRetryAfterMs: 1_000, retries: { 'rate-limited': 5 } }))]);
    assert.equal((await failure(wrapped.doComplete(ask('hi'), {}))).errorClass, 'auth');
    const started = Date.now();
    assert.equal((await failure(wrapped.doComplete(ask('hi'), {}))).errorClass, 'rate-limited');
    assert.ok(Date.now() - started < 1_000);
    assert.equal(testbed.server.requests.length, 2);
  });

  it('stops waiting when the call is aborted', async () => {
    testbed.server.script({ fault: 'rate-limit', retryAfterSeconds: 5 });
    const controller = new AbortController();
    const wrapped = wrapProvider(gpt(), [retryPerErrorClass(policy({ retries: { 'rate-limited': 1 } }))]);
    const off = testbed.server.on('request', () => setTimeout(() => controller.abort(new Error('worker stopping')), 50));
    await assert.rejects(wrapped.doComplete(ask('hi'), { signal: controller.signal }), /worker stopping/);
    off();
    assert.equal(testbed.server.requests.length, 1);
  });
});

describe('recordAttempts', () => {
  it('records every call that reaches the provider, innermost, retries included', async () => {
    testbed.server.script({ fault: 'overloaded' }, { text: 'fine' });
    const log = new RouteAttemptLog();
    const wrapped = wrapProvider(claude(), [retryPerErrorClass(policy({ initialBackoffMs: 1, retries: { overloaded: 1 } })), recordAttempts(log)]);
    await wrapped.doComplete(ask('hi', 'claude-test'), {});
    assert.deepEqual(
      log.attempts.map(({ model, outcome, errorClass }) => ({ model, outcome, errorClass })),
      [
        { model: 'anthropic:claude-test', outcome: 'failed', errorClass: 'overloaded' },
        { model: 'anthropic:claude-test', outcome: 'answered', errorClass: undefined },
      ],
    );
    assert.deepEqual(Object.keys(log.attempts[0]!), ['model', 'outcome', 'errorClass', 'latencyMs']);
    assert.ok(log.attempts.every((attempt) => attempt.latencyMs >= 0));
  });

  it('does not record an error that is not the model failing', async () => {
    const log = new RouteAttemptLog();
    const broken: ModelProvider = { ...gpt(), doComplete: async () => Promise.reject(new TypeError('a bug')) };
    await assert.rejects(wrapProvider(broken, [recordAttempts(log)]).doComplete(ask('hi'), {}), TypeError);
    assert.deepEqual(log.attempts, []);
  });
});

describe('skipCoolingModels', () => {
  const cooling = policy({ cooldown: { failures: 2, windowMs: 60_000 } }).cooldown;

  it('skips a model after repeated retryable failures without calling it, and an answer clears them', async () => {
    const cooldown = new ModelCooldown();
    const wrapped = wrapProvider(gpt(), [skipCoolingModels(cooldown, cooling, { maySkip: true })]);
    testbed.server.script({ fault: 'overloaded', times: 2 });
    await failure(wrapped.doComplete(ask('hi'), {}));
    await failure(wrapped.doComplete(ask('hi'), {}));
    assert.deepEqual(await skipped(wrapped.doComplete(ask('hi'), {})), { reason: 'cooldown' });
    assert.equal(testbed.server.requests.length, 2);
    const last = wrapProvider(gpt(), [skipCoolingModels(cooldown, cooling, { maySkip: false })]);
    assert.equal((await last.doComplete(ask('hi'), {})).finishReason, 'stop');
    assert.equal((await wrapped.doComplete(ask('hi'), {})).finishReason, 'stop');
  });

  it('does not count terminal errors, and keeps models apart', async () => {
    const cooldown = new ModelCooldown();
    const wrapped = wrapProvider(gpt(), [skipCoolingModels(cooldown, cooling, { maySkip: true })]);
    testbed.server.script({ fault: 'bad-request', times: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await failure(wrapped.doComplete(ask('hi'), {}))).errorClass, 'bad-request');
    testbed.server.reset();
    testbed.server.script({ match: { model: 'gpt-a' }, fault: 'server-error', times: 2 });
    await failure(wrapped.doComplete(ask('hi', 'gpt-a'), {}));
    await failure(wrapped.doComplete(ask('hi', 'gpt-a'), {}));
    await skipped(wrapped.doComplete(ask('hi', 'gpt-a'), {}));
    assert.equal((await wrapped.doComplete(ask('hi', 'gpt-b'), {})).finishReason, 'stop');
    assert.equal((await wrapped.doComplete(ask('hi'), {})).finishReason, 'stop');
  });
});

describe('checkContextWindow', () => {
  const text = 'Durable agents never ask the model twice. '.repeat(10);

  it("skips a model whose window cannot take the provider's own estimate plus the output, sending nothing", async () => {
    const openaiTokens = estimatePromptTokens(ask(text));
    const anthropicTokens = Math.ceil(text.length / 3.5) + 4;
    assert.ok(anthropicTokens > openaiTokens + 10);
    const window = openaiTokens + 10;
    const catalog = new ModelCatalog({ 'openai:gpt-w': { contextWindow: window }, 'anthropic:claude-w': { contextWindow: window } });
    const check = () => checkContextWindow(catalog, promptTokenEstimate());
    assert.equal((await wrapProvider(gpt(), [check()]).doComplete({ ...ask(text, 'gpt-w'), maxOutputTokens: 10 }, {})).finishReason, 'stop');
    assert.deepEqual(await skipped(wrapProvider(gpt(), [check()]).doComplete({ ...ask(text, 'gpt-w'), maxOutputTokens: 11 }, {})), {
      reason: 'context-window',
      contextWindow: window,
      estimatedTokens: openaiTokens,
    });
    assert.deepEqual(await skipped(wrapProvider(claude(), [check()]).doComplete(ask(text, 'claude-w'), {})), {
      reason: 'context-window',
      contextWindow: window,
      estimatedTokens: anthropicTokens,
    });
    assert.deepEqual(testbed.server.requests.map((request) => request.model), ['gpt-w']);
  });

  it('tries a model whose window is unknown', async () => {
    const wrapped = wrapProvider(claude(), [checkContextWindow(new ModelCatalog(), promptTokenEstimate())]);
    assert.equal((await wrapped.doComplete({ ...ask(text.repeat(100), 'acme-unknown'), maxOutputTokens: 10_000_000 }, {})).finishReason, 'stop');
  });
});

describe('fitBudget', () => {
  it('caps the output tokens the provider is asked for to what the budget leaves', async () => {
    const estimate = promptTokenEstimate();
    const prompt = ask('Summarise the report.');
    const tokens = estimate(gpt(), prompt);
    const wrapped = wrapProvider(gpt(), [fitBudget({ totalTokens: tokens + 25, outputTokens: 40 }, new ModelCatalog(), estimate)]);
    await wrapped.doComplete({ ...prompt, maxOutputTokens: 100 }, {});
    assert.equal(testbed.server.requests[0]?.body.max_completion_tokens, 25);
  });

  it('skips a model the prompt alone would take over budget, and leaves the request alone without limits', async () => {
    const catalog = new ModelCatalog({ 'anthropic:claude-dear': { inputUsdPerMillion: 1_000_000, outputUsdPerMillion: 1_000_000 } });
    const skip = await skipped(wrapProvider(claude(), [fitBudget({ costUsd: 1 }, catalog, promptTokenEstimate())]).doComplete(ask('hello', 'claude-dear'), {}));
    assert.equal(skip.reason, 'budget');
    assert.match((skip as { refusal: string }).refusal, /^maxCostUsd: the prompt alone costs about \$\d+\.\d{6}, \$1\.000000 left$/);
    await wrapProvider(claude(), [fitBudget({}, catalog, promptTokenEstimate())]).doComplete(ask('hello', 'claude-test'), {});
    assert.deepEqual(testbed.server.requests.map((request) => [request.model, request.body.max_tokens]), [['claude-test', 4096]]);
  });
});

describe('promptTokenEstimate', () => {
  it("uses the provider's estimate, else the o200k_base fallback, and counts once per model", () => {
    const request = ask('Durable agents never ask the model twice.');
    let calls = 0;
    const counting: ModelProvider = { ...claude(), estimateTokens: (r) => (calls++, claude().estimateTokens!(r)) };
    const { estimateTokens: _, ...handWritten } = gpt();
    const estimate = promptTokenEstimate();
    assert.equal(estimate(counting, request), Math.ceil(request.messages[0]!.content.length / 3.5) + 4);
    assert.equal(estimate(counting, request), estimate(counting, { ...request, messages: [] }));
    assert.equal(calls, 1);
    estimate(counting, { ...request, model: 'other' });
    assert.equal(calls, 2);
    assert.equal(estimate({ ...handWritten, id: 'mine' }, request), estimatePromptTokens(request));
    assert.notEqual(estimatePromptTokens(request), estimate(counting, request));
  });
});
