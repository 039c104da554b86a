import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BudgetExceededError,
  ContextWindowExceededError,
  defineRoute,
  MissingImplementationError,
  ProviderError,
  RatchetError,
  type ModelProvider,
  type RouteAttempt,
} from '@ratchet/core';
import {
  bindModel,
  completeOnRoute,
  fallback,
  ModelCatalog,
  ModelCooldown,
  ModelSkipped,
  recordAttempts,
  RouteAttemptLog,
  type CompletionEffectInput,
  type FallbackOptions,
  type RouteModel,
} from '@ratchet/core/worker';
import { failure } from './failure.ts';
import { useModelTestbed } from './model-testbed.ts';

const testbed = useModelTestbed();

const providers = () =>
  new Map<string, ModelProvider>([
    ['openai', testbed.gpt()],
    ['anthropic', testbed.claude()],
  ]);
const request = { messages: [{ role: 'user' as const, content: 'Capital of France?' }] };
const outcomes = (attempts: unknown) => (attempts as RouteAttempt[]).map((a) => [a.model, a.outcome, a.errorClass ?? a.reason]);

/** Models bound to the real providers, each recording its calls, and the fallback over them. */
function route(modelIds: string[], options: Partial<FallbackOptions> = {}) {
  const log = new RouteAttemptLog();
  const registered = providers();
  const models = modelIds.map((id) => bindModel(id, registered, [recordAttempts(log)]));
  const noModel = () => new MissingImplementationError('a model provider', [...registered.keys()]);
  return { log, route: fallback(models, { name: 'smart', stepId: 'llm:ask#1', onContentPolicy: 'fail', log, noModel, ...options }) };
}

/** A model that is always skipped, as a route piece would skip it. */
const skippedModel = (id: string, skip: ConstructorParameters<typeof ModelSkipped>[0]): RouteModel => ({ id, doComplete: async () => Promise.reject(new ModelSkipped(skip)) });

describe('bindModel', () => {
  it("sends the request with the model's own name to its provider, and skips a model with no provider", async () => {
    const registered = providers();
    const answer = await bindModel('anthropic:claude-x', registered, []).doComplete(request, {});
    assert.deepEqual([answer.provider, answer.model, testbed.server.requests[0]?.api], ['anthropic', 'claude-x', 'anthropic']);
    const error = await bindModel('acme:m', registered, []).doComplete(request, {}).catch((caught: unknown) => caught);
    assert.ok(error instanceof ModelSkipped);
    assert.deepEqual(error.skip, { reason: 'no-provider' });
  });
});

describe('fallback', () => {
  it('is a model named after the route that falls through failures and skips, in order, to an answer', async () => {
    testbed.server.script({ match: { model: 'gpt-a' }, fault: 'server-error' }, { match: { model: 'claude-b' }, fault: 'context-length' });
    const { log, route: smart } = route(['openai:gpt-a', 'anthropic:claude-b', 'acme:none', 'openai:gpt-c']);
    const answer = await smart.doComplete(request, {});
    assert.equal(smart.id, 'smart');
    assert.equal(answer.model, 'gpt-c');
    assert.deepEqual(outcomes(log.attempts), [
      ['openai:gpt-a', 'failed', 'overloaded'],
      ['anthropic:claude-b', 'failed', 'context-too-long'],
      ['acme:none', 'skipped', 'no-provider'],
      ['openai:gpt-c', 'answered', undefined],
    ]);
    assert.deepEqual(Object.keys(log.attempts[2]!), ['model', 'outcome', 'reason', 'latencyMs']);
  });

  for (const fault of ['auth', 'bad-request'] as const) {
    it(`ends the route on ${fault}: no later model is asked, the error carries the attempts`, async () => {
      testbed.server.script({ fault });
      const { route: smart } = route(['openai:gpt-a', 'openai:gpt-b']);
      const error = await failure(smart.doComplete(request, {}));
      assert.equal(error.errorClass, fault);
      assert.deepEqual(outcomes(error.data.routeAttempts), [['openai:gpt-a', 'failed', fault]]);
      assert.equal(testbed.server.requests.length, 1);
    });
  }

  it("ends on Anthropic's refusal (a 200) by default, and falls through where the route says so", async () => {
    testbed.server.script({ fault: 'content-policy', times: 2 });
    const refused = await failure(route(['anthropic:claude-refuses', 'openai:gpt-b']).route.doComplete(request, {}));
    assert.deepEqual([refused.errorClass, refused.message], ['content-policy', 'anthropic:claude-refuses refused the request (content policy)']);
    assert.deepEqual(outcomes(refused.data.routeAttempts), [['anthropic:claude-refuses', 'failed', 'content-policy']]);
    const { log, route: lenient } = route(['anthropic:claude-refuses', 'openai:gpt-b'], { onContentPolicy: 'fallback' });
    assert.equal((await lenient.doComplete(request, {})).model, 'gpt-b');
    assert.deepEqual(outcomes(log.attempts).map(([, outcome]) => outcome), ['failed', 'answered']);
  });

  it("never changes the error it caught; it throws a copy that carries the attempts", async () => {
    const original = new ProviderError('overloaded', 'acme:m failed (overloaded): 503', { provider: 'acme', model: 'm', status: 503 });
    const failing: ModelProvider = { specificationVersion: 'ratchet.provider.v1', id: 'acme', doComplete: async () => Promise.reject(original) };
    const log = new RouteAttemptLog();
    const smart = fallback([bindModel('acme:m', new Map([['acme', failing]]), [recordAttempts(log)])], {
      name: 'r', stepId: 's', onContentPolicy: 'fail', log, noModel: () => new RatchetError('application', 'none'),
    });
    const thrown = await failure(smart.doComplete(request, {}));
    assert.notEqual(thrown, original);
    assert.deepEqual(original.data, { errorClass: 'overloaded', provider: 'acme', model: 'm', status: 503 });
    assert.deepEqual(outcomes(thrown.data.routeAttempts), [['acme:m', 'failed', 'overloaded']]);
  });

  it('when nothing answers: the last failure first, then the last budget refusal, then the windows nothing fit, then noModel', async () => {
    const log = new RouteAttemptLog();
    const options: FallbackOptions = { name: 'smart', stepId: 'llm:ask#1', onContentPolicy: 'fail', log, noModel: () => new MissingImplementationError('a model provider', []) };
    const windowA = skippedModel('openai:a', { reason: 'context-window', contextWindow: 100, estimatedTokens: 150 });
    const windowB = skippedModel('anthropic:b', { reason: 'context-window', contextWindow: 120, estimatedTokens: 170 });
    const budget = (refusal: string) => skippedModel('openai:c', { reason: 'budget', refusal });
    testbed.server.script({ fault: 'context-length' });
    const failed = bindModel('openai:gpt-d', providers(), [recordAttempts(log)]);

    const lastFailure = await fallback([failed, budget('maxTotalTokens: x'), windowA], options).doComplete(request, {}).catch((e: unknown) => e);
    assert.ok(lastFailure instanceof ProviderError && lastFailure.errorClass === 'context-too-long');
    assert.deepEqual(outcomes(lastFailure.data.routeAttempts), [['openai:gpt-d', 'failed', 'context-too-long'], ['openai:c', 'skipped', 'budget'], ['openai:a', 'skipped', 'context-window']]);

    const overBudget = await fallback([windowA, budget('first'), budget('maxTotalTokens: about 90 input tokens, 80 left')], { ...options, log: new RouteAttemptLog() }).doComplete(request, {}).catch((e: unknown) => e);
    assert.ok(overBudget instanceof BudgetExceededError);
    assert.equal(overBudget.message, 'Budget exceeded at llm:ask#1: maxTotalTokens: about 90 input tokens, 80 left (route smart)');
    assert.equal((overBudget.data.routeAttempts as RouteAttempt[]).length, 3);

    const tooLong = await fallback([windowA, skippedModel('openai:e', { reason: 'cooldown' }), windowB], { ...options, log: new RouteAttemptLog() }).doComplete(request, {}).catch((e: unknown) => e);
    assert.ok(tooLong instanceof ContextWindowExceededError);
    assert.deepEqual([tooLong.estimatedTokens, tooLong.data.windows], [170, { 'openai:a': 100, 'anthropic:b': 120 }]);
    assert.deepEqual(outcomes(tooLong.data.routeAttempts), [['openai:a', 'skipped', 'context-window'], ['openai:e', 'skipped', 'cooldown'], ['anthropic:b', 'skipped', 'context-window']]);

    const none = await fallback([skippedModel('acme:x', { reason: 'no-provider' })], { ...options, log: new RouteAttemptLog() }).doComplete(request, {}).catch((e: unknown) => e);
    assert.ok(none instanceof MissingImplementationError);
    assert.equal(none.data.routeAttempts, undefined);
  });

  it('lets an error that is not a model failing leave at once', async () => {
    const broken: RouteModel = { id: 'x:y', doComplete: async () => Promise.reject(new TypeError('a bug')) };
    const log = new RouteAttemptLog();
    await assert.rejects(fallback([broken, bindModel('openai:gpt-a', providers(), [])], { name: 'r', stepId: 's', onContentPolicy: 'fail', log, noModel: () => new RatchetError('application', 'n') }).doComplete(request, {}), TypeError);
    assert.equal(testbed.server.requests.length, 0);
  });
});

describe('completeOnRoute', () => {
  const deps = (overrides: Partial<Parameters<typeof completeOnRoute>[1]> = {}) => ({
    providers: providers(),
    catalog: new ModelCatalog({ 'openai:gpt-priced': { inputUsdPerMillion: 1, outputUsdPerMillion: 2, contextWindow: 10 } }),
    cooldown: new ModelCooldown(),
    stepId: 'llm:ask#1',
    idempotencyKey: 'run-1:llm:ask#1',
    signal: new AbortController().signal,
    ...overrides,
  });

  it('answers with the attempts, the cost by the route model id and the prompt, in the journaled order', async () => {
    const smart = defineRoute({ name: 'smart', models: ['openai:gpt-priced', 'openai:gpt-priced-large'], policy: { retries: { 'rate-limited': 0 } } });
    const input: CompletionEffectInput = { requested: 'smart', route: smart, request: { ...request, maxOutputTokens: 50 }, prompt: { name: 'ask', version: '3' } };
    const catalog = new ModelCatalog({
      'openai:gpt-priced': { contextWindow: 10 },
      'openai:gpt-priced-large': { inputUsdPerMillion: 1, outputUsdPerMillion: 2 },
    });
    // Like OpenAI's dated model names: the reported model is not the one the price table knows.
    const inner = providers().get('openai')!;
    const dated: ModelProvider = { ...inner, doComplete: async (r, o) => ({ ...(await inner.doComplete(r, o)), model: `${r.model}-2025-01-01` }) };
    testbed.server.script({ text: 'Paris', usage: { inputTokens: 1_000_000, outputTokens: 500_000 } });
    const completion = await completeOnRoute(input, deps({ catalog, providers: new Map([['openai', dated]]) }));
    assert.equal(completion.model, 'gpt-priced-large-2025-01-01');
    assert.deepEqual(Object.keys(completion), ['text', 'toolCalls', 'finishReason', 'usage', 'provider', 'model', 'routeAttempts', 'costUsd', 'prompt']);
    assert.equal(completion.costUsd, 2);
    assert.deepEqual(outcomes(completion.routeAttempts), [['openai:gpt-priced', 'skipped', 'context-window'], ['openai:gpt-priced-large', 'answered', undefined]]);
    assert.equal(testbed.server.requests[0]?.idempotencyKey, 'run-1:llm:ask#1');
  });

  it('streams only what the agent asked to stream', async () => {
    const single = defineRoute({ name: 'one', models: ['anthropic:claude-s'] });
    const tokens: string[] = [];
    testbed.server.script({ text: 'streamed answer', times: 2 });
    await completeOnRoute({ requested: 'one', route: single, request }, deps({ onToken: (delta) => tokens.push(delta) }));
    assert.equal(tokens.length, 0);
    await completeOnRoute({ requested: 'one', route: single, request, stream: true }, deps({ onToken: (delta) => tokens.push(delta) }));
    assert.equal(tokens.join(''), 'streamed answer');
    assert.deepEqual(testbed.server.requests.map((r) => r.stream), [false, true]);
  });

  it('names the route and the registered providers when none of its models has one', async () => {
    const error = await completeOnRoute({ requested: 'r', route: defineRoute({ name: 'r', models: ['acme:a', 'acme:b'] }), request }, deps()).catch((e: unknown) => e);
    assert.ok(error instanceof MissingImplementationError);
    assert.equal(error.message, 'No implementation registered on this worker for a model provider for acme:a, acme:b. Registered: openai, anthropic');
  });
});
