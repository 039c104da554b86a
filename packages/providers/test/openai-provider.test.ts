import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MissingApiKeyError, type ModelRequest, type ProviderErrorClass } from '@ratchet/core';
import { startModelServer, type ModelServer, type ScriptedResponse } from '@ratchet/testing';
import { openai } from '../src/index.ts';
import { failure } from './failure.ts';
import { withEnv } from './with-env.ts';

const key = 'sk-ratchet-test-SECRET-0123456789';
let server: ModelServer;

before(async () => {
  server = await startModelServer();
});
after(() => server.close());
beforeEach(() => server.reset());

const provider = (options: Parameters<typeof openai>[0] = {}) =>
  openai({ apiKey: key, baseURL: server.openaiBaseURL, ...options });
const ask = (content: string, model = 'gpt-test'): ModelRequest => ({ model, messages: [{ role: 'user', content }] });

describe('openai provider: requests and answers', () => {
  it('maps a completion: text, finish reason, usage, provider and reported model', async () => {
    server.script({ text: 'Paris', usage: { inputTokens: 12, outputTokens: 3 } });
    const completion = await provider().doComplete(ask('Capital of France?'), {});
    assert.deepEqual(completion, {
      text: 'Paris',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 },
      provider: 'openai',
      model: 'gpt-test',
    });
  });

  it('sends messages, tools, tool results, output limit and temperature in Chat Completions form', async () => {
    await provider({ id: 'oa' }).doComplete(
      {
        model: 'gpt-test',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', toolCallId: 'call_1', content: '18°C', isError: false },
        ],
        tools: [{ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
        maxOutputTokens: 100,
        temperature: 0.2,
      },
      {},
    );
    const body = server.requests[0]?.body;
    assert.deepEqual(body?.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
    ]);
    assert.deepEqual(body?.tools, [
      {
        type: 'function',
        function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ]);
    assert.equal(body?.max_completion_tokens, 100);
    assert.equal(body?.temperature, 0.2);
    assert.equal(body?.stream, undefined);
  });

  it('returns tool calls with raw argument text, malformed included', async () => {
    server.script({
      toolCalls: [
        { name: 'weather', arguments: { city: 'Paris' } },
        { name: 'lookup', arguments: '{"city": "Par' },
      ],
    });
    const completion = await provider().doComplete(ask('Weather?'), {});
    assert.equal(completion.finishReason, 'tool-calls');
    assert.deepEqual(completion.toolCalls, [
      { id: 'call_1_0', name: 'weather', arguments: '{"city":"Paris"}' },
      { id: 'call_1_1', name: 'lookup', arguments: '{"city": "Par' },
    ]);
  });

  it('maps length and content-filter finish reasons', async () => {
    server.script({ text: 'cut', finishReason: 'length' }, { text: '', finishReason: 'content-filter' });
    assert.equal((await provider().doComplete(ask('a'), {})).finishReason, 'length');
    const refusal = await failure(provider().doComplete(ask('b'), {}));
    assert.deepEqual([refusal.errorClass, refusal.retryable, refusal.message], ['content-policy', false, 'openai:gpt-test refused the request (content policy)']);
  });

  it('raises a content_filter finish as content-policy, streamed or not, for any provider id', async () => {
    server.script({ text: '', finishReason: 'content-filter', times: 2 });
    for (const options of [{}, { onToken: () => {} }]) {
      const refusal = await failure(provider({ id: 'team-openai' }).doComplete(ask('b'), options));
      assert.deepEqual([refusal.errorClass, refusal.message, refusal.data], [
        'content-policy',
        'team-openai:gpt-test refused the request (content policy)',
        { errorClass: 'content-policy', provider: 'team-openai', model: 'gpt-test' },
      ]);
    }
  });

  it('estimates prompt tokens with the o200k_base tokenizer, 3 of framing per message', () => {
    // o200k_base reads this sentence as 9 tokens (a character ratio would say 12).
    assert.equal(provider({ id: 'renamed' }).estimateTokens?.(ask('Durable agents never ask the model twice.')), 9 + 3 + 3);
  });

  it('streams with onToken and assembles the same completion, tool calls and usage included', async () => {
    const scripted: ScriptedResponse = {
      text: 'Checking the weather now.',
      toolCalls: [{ name: 'lookup', arguments: '{"city": "Par' }],
      usage: { inputTokens: 7, outputTokens: 9 },
    };
    server.script(scripted, scripted);
    const tokens: string[] = [];
    const streamed = await provider().doComplete(ask('Weather?'), { onToken: (delta) => tokens.push(delta) });
    assert.ok(tokens.length > 1);
    assert.equal(tokens.join(''), 'Checking the weather now.');
    const whole = await provider().doComplete(ask('Weather?'), {});
    assert.deepEqual({ ...streamed, toolCalls: streamed.toolCalls.map(({ name, arguments: raw }) => ({ name, raw })) }, {
      ...whole,
      toolCalls: whole.toolCalls.map(({ name, arguments: raw }) => ({ name, raw })),
    });
    assert.deepEqual(streamed.usage, { inputTokens: 7, outputTokens: 9, totalTokens: 16 });
    assert.equal(server.requests[0]?.stream, true);
    assert.deepEqual(server.requests[0]?.body.stream_options, { include_usage: true });
  });

  it('sends the idempotency key as Idempotency-Key, and the configured headers', async () => {
    await provider({ headers: { 'x-team': 'agents' } }).doComplete(ask('hi'), { idempotencyKey: 'run-1:step-3' });
    assert.equal(server.requests[0]?.idempotencyKey, 'run-1:step-3');
    assert.equal(server.requests[0]?.headers['x-team'], 'agents');
    assert.equal(server.requests[0]?.hasApiKey, true);
  });

  it('reads OPENAI_API_KEY and OPENAI_BASE_URL from the environment', async () => {
    await withEnv({ OPENAI_API_KEY: key, OPENAI_BASE_URL: server.openaiBaseURL }, async () => {
      const completion = await openai().doComplete(ask('from env'), {});
      assert.equal(completion.text, 'gpt-test: from env');
    });
  });
});

describe('openai provider: failures are classified ProviderErrors', () => {
  const cases: { fault: ScriptedResponse; errorClass: ProviderErrorClass; status?: number; retryable: boolean }[] = [
    { fault: { fault: 'rate-limit', retryAfterSeconds: 2 }, errorClass: 'rate-limited', status: 429, retryable: true },
    { fault: { fault: 'server-error' }, errorClass: 'overloaded', status: 500, retryable: true },
    { fault: { fault: 'server-error', status: 504 }, errorClass: 'timeout', status: 504, retryable: true },
    { fault: { fault: 'overloaded' }, errorClass: 'overloaded', status: 503, retryable: true },
    { fault: { fault: 'context-length' }, errorClass: 'context-too-long', status: 400, retryable: false },
    { fault: { fault: 'auth' }, errorClass: 'auth', status: 401, retryable: false },
    { fault: { fault: 'bad-request' }, errorClass: 'bad-request', status: 400, retryable: false },
    { fault: { fault: 'content-policy' }, errorClass: 'content-policy', status: 400, retryable: false },
  ];
  for (const { fault, errorClass, status, retryable } of cases) {
    for (const streaming of [false, true]) {
      it(`${JSON.stringify(fault)}${streaming ? ' (streaming)' : ''} → ${errorClass}`, async () => {
        server.script(fault);
        const error = await failure(provider().doComplete(ask('hi'), streaming ? { onToken: () => {} } : {}));
        assert.equal(error.errorClass, errorClass);
        assert.equal(error.retryable, retryable);
        assert.equal(error.data.status, status);
        assert.equal(error.data.provider, 'openai');
        assert.equal(error.data.model, 'gpt-test');
        assert.match(error.message, new RegExp(`^openai:gpt-test failed \\(${errorClass}\\): ${status}`));
      });
    }
  }

  it('carries retry-after as retryAfterMs', async () => {
    server.script({ fault: 'rate-limit', retryAfterSeconds: 2.5 });
    const error = await failure(provider().doComplete(ask('hi'), {}));
    assert.equal(error.retryAfterMs, 2500);
  });

  it('a stall past timeoutMs is a timeout', async () => {
    server.script({ fault: 'stall' });
    const error = await failure(provider({ timeoutMs: 150 }).doComplete(ask('hi'), {}));
    assert.equal(error.errorClass, 'timeout');
    assert.equal(error.retryable, true);
  });

  it('a dropped connection and an unreachable server are overloaded', async () => {
    server.script({ fault: 'stall', ms: 20 });
    assert.equal((await failure(provider().doComplete(ask('hi'), {}))).errorClass, 'overloaded');
    const gone = await startModelServer();
    await gone.close();
    const error = await failure(openai({ apiKey: key, baseURL: gone.openaiBaseURL }).doComplete(ask('hi'), {}));
    assert.equal(error.errorClass, 'overloaded');
    assert.match(error.message, /unreachable: Connection error\..*ECONNREFUSED/);
  });

  it('an answer that is not a Chat Completion is an unknown failure naming the first wrong field, streamed or not', async () => {
    server.script(
      { raw: '<html><body>Welcome to the gateway</body></html>', contentType: 'text/html' },
      { raw: '{"model": "m", "choices": [], "usage": {"prompt_tokens": "7"}}' },
      { raw: '{"model": "m", "choices": [' },
      { raw: 'data: {"model": "m", "choices": [{"delta": {"tool_calls": [{"index": -1}]}}]}\n\n', contentType: 'text/event-stream' },
    );
    const messages = [];
    for (const options of [{}, {}, {}, { onToken: () => {} }]) messages.push((await failure(provider().doComplete(ask('hi'), options))).message);
    assert.deepEqual([messages[0], messages[1], messages[3]], [
      'openai:gpt-test failed (unknown): the answer is not a Chat Completion: (root): Invalid input: expected object, received string',
      'openai:gpt-test failed (unknown): the answer is not a Chat Completion: usage.prompt_tokens: Invalid input: expected number, received string',
      'openai:gpt-test failed (unknown): the answer is not a Chat Completion chunk: choices.0.delta.tool_calls.0.index: Too small: expected number to be >=0',
    ]);
    // JSON.parse's own words follow, which are V8's.
    assert.match(messages[2]!, /^openai:gpt-test failed \(unknown\): the answer is not JSON \(/);
  });

  it('an abort by the caller is a timeout, before the answer and mid-stream', async () => {
    server.script({ text: 'late', delayMs: 5_000 });
    const early = new AbortController();
    const off = server.on('request', () => early.abort());
    assert.equal((await failure(provider().doComplete(ask('hi'), { signal: early.signal }))).errorClass, 'timeout');
    off();
    server.reset();
    server.script({ text: 'one two three four five six' });
    const midway = new AbortController();
    const error = await failure(provider().doComplete(ask('hi'), { signal: midway.signal, onToken: () => midway.abort() }));
    assert.equal(error.errorClass, 'timeout');
  });
});

describe('openai provider: keys', () => {
  it('throws MissingApiKeyError naming OPENAI_API_KEY when there is no key', async () => {
    await withEnv({ OPENAI_API_KEY: undefined }, () => {
      assert.throws(
        () => openai(),
        (error: unknown) => error instanceof MissingApiKeyError && /"openai": set OPENAI_API_KEY/.test(error.message),
      );
      assert.throws(() => openai({ id: 'team-openai', apiKey: '  ' }), /No API key for provider "team-openai": set OPENAI_API_KEY/);
    });
  });

  it('never shows the key: not in the provider object, not in error messages', async () => {
    const instance = provider();
    assert.ok(!JSON.stringify(instance).includes(key));
    assert.ok(!inspect(instance, { depth: 10, showHidden: true }).includes(key));
    server.script({ fault: 'auth' }, { fault: 'bad-request', message: `request carried ${key} in a field` });
    const auth = await failure(instance.doComplete(ask('hi'), {}));
    assert.match(auth.message, /Incorrect API key provided: \[redacted\]\./);
    const echoed = await failure(instance.doComplete(ask('hi'), {}));
    assert.equal(echoed.message, 'openai:gpt-test failed (bad-request): 400 request carried [redacted] in a field');
    for (const error of [auth, echoed]) {
      assert.ok(!error.message.includes('SECRET') && !error.message.includes('6789'));
      assert.equal(error.cause, undefined);
      assert.ok(!JSON.stringify(error.data).includes(key));
    }
  });
});
