import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MissingApiKeyError, type ModelRequest, type ProviderErrorClass } from '@ratchet/core';
import { startModelServer, type ModelServer, type ScriptedResponse } from '@ratchet/testing';
import { anthropic } from '../src/index.ts';
import { failure } from './failure.ts';
import { withEnv } from './with-env.ts';

const key = 'sk-ant-ratchet-test-SECRET-0123456789';
let server: ModelServer;

before(async () => {
  server = await startModelServer();
});
after(() => server.close());
beforeEach(() => server.reset());

const provider = (options: Parameters<typeof anthropic>[0] = {}) =>
  anthropic({ apiKey: key, baseURL: server.anthropicBaseURL, ...options });
const ask = (content: string, model = 'claude-test'): ModelRequest => ({ model, messages: [{ role: 'user', content }] });

describe('anthropic provider: requests and answers', () => {
  it('maps a message: text, stop reason, usage, provider and reported model', async () => {
    server.script({ text: 'Paris', usage: { inputTokens: 12, outputTokens: 3 } });
    const completion = await provider().doComplete(ask('Capital of France?'), {});
    assert.deepEqual(completion, {
      text: 'Paris',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 },
      provider: 'anthropic',
      model: 'claude-test',
    });
  });

  it('streams a call whose max_tokens the SDK would refuse without streaming, and answers the same', async () => {
    server.script({ text: 'A long answer', usage: { inputTokens: 5, outputTokens: 3 } });
    const completion = await provider().doComplete({ ...ask('Write at length'), maxOutputTokens: 60_000 }, {});
    assert.deepEqual([completion.text, completion.usage.totalTokens, completion.finishReason], ['A long answer', 8, 'stop']);
    assert.deepEqual([server.requests[0]?.body.stream, server.requests[0]?.body.max_tokens], [true, 60_000]);
  });

  it('sends system apart, tool_use and merged tool_result blocks, tools, and max_tokens', async () => {
    await provider().doComplete(
      {
        model: 'claude-test',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            toolCalls: [
              { id: 'toolu_a', name: 'weather', arguments: '{"city":"Paris"}' },
              { id: 'toolu_b', name: 'weather', arguments: '{"city": "Ro' },
            ],
          },
          { role: 'tool', toolCallId: 'toolu_a', content: '18°C' },
          { role: 'tool', toolCallId: 'toolu_b', content: 'arguments were not valid JSON', isError: true },
        ],
        tools: [{ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
        temperature: 0.2,
      },
      {},
    );
    const body = server.requests[0]?.body;
    assert.deepEqual(body?.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.deepEqual(body?.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_a', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_b', name: 'weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: 'arguments were not valid JSON', is_error: true },
        ],
      },
    ]);
    assert.deepEqual(body?.tools, [
      { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    assert.equal(body?.max_tokens, 4096);
    assert.equal(body?.temperature, undefined);
  });

  it('uses maxOutputTokens, else defaultMaxOutputTokens, as max_tokens', async () => {
    await provider({ defaultMaxOutputTokens: 1000 }).doComplete(ask('a'), {});
    await provider({ defaultMaxOutputTokens: 1000 }).doComplete({ ...ask('b'), maxOutputTokens: 50 }, {});
    assert.deepEqual(server.requests.map((request) => request.body.max_tokens), [1000, 50]);
  });

  it('returns tool_use inputs as JSON text', async () => {
    server.script({ text: 'Let me look.', toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] });
    const completion = await provider().doComplete(ask('Weather?'), {});
    assert.equal(completion.finishReason, 'tool-calls');
    assert.equal(completion.text, 'Let me look.');
    assert.deepEqual(completion.toolCalls, [{ id: 'toolu_1_0', name: 'weather', arguments: '{"city":"Paris"}' }]);
  });

  it('passes malformed tool input through raw, streamed or not', async () => {
    server.script({ toolCalls: [{ name: 'lookup', arguments: '{"city": "Par' }], times: 2 });
    const whole = await provider().doComplete(ask('Weather?'), {});
    const streamed = await provider().doComplete(ask('Weather?'), { onToken: () => {} });
    assert.equal(whole.toolCalls[0]?.arguments, '{"city": "Par');
    assert.equal(streamed.toolCalls[0]?.arguments, '{"city": "Par');
  });

  it('maps refusal (the content-policy fault) and max_tokens stop reasons', async () => {
    server.script({ fault: 'content-policy' }, { text: 'cut', finishReason: 'length' });
    const refusal = await failure(provider().doComplete(ask('a'), {}));
    assert.deepEqual([refusal.errorClass, refusal.retryable, refusal.message], ['content-policy', false, 'anthropic:claude-test refused the request (content policy)']);
    assert.equal((await provider().doComplete(ask('b'), {})).finishReason, 'length');
  });

  it('raises a refusal as content-policy when streamed too, after the deltas it sent', async () => {
    server.script({ fault: 'content-policy' });
    const refusal = await failure(provider({ id: 'claude' }).doComplete(ask('a'), { onToken: () => {} }));
    assert.deepEqual([refusal.errorClass, refusal.message, refusal.data], [
      'content-policy',
      'claude:claude-test refused the request (content policy)',
      { errorClass: 'content-policy', provider: 'claude', model: 'claude-test' },
    ]);
  });

  it('estimates prompt tokens at 3.5 characters each plus 4 per text, whatever the provider id', () => {
    const text = 'Durable agents never ask the model twice.';
    const request: ModelRequest = { ...ask(text), tools: [{ name: 'weather', description: 'Weather', inputSchema: { type: 'object' } }] };
    const tools = JSON.stringify(request.tools);
    assert.equal(provider().estimateTokens?.(ask(text)), Math.ceil(text.length / 3.5) + 4);
    assert.equal(provider({ id: 'claude' }).estimateTokens?.(request), Math.ceil(`${text}\n${tools}`.length / 3.5) + 8);
  });

  it('streams with onToken and assembles the same completion, tool calls and usage included', async () => {
    const scripted: ScriptedResponse = {
      text: 'Checking the weather now.',
      toolCalls: [{ name: 'weather', arguments: { city: 'Paris' }, id: 'toolu_fixed' }],
      usage: { inputTokens: 7, outputTokens: 9 },
    };
    server.script(scripted, scripted);
    const tokens: string[] = [];
    const streamed = await provider().doComplete(ask('Weather?'), { onToken: (delta) => tokens.push(delta) });
    assert.ok(tokens.length > 1);
    assert.equal(tokens.join(''), 'Checking the weather now.');
    assert.deepEqual(streamed, await provider().doComplete(ask('Weather?'), {}));
    assert.deepEqual(streamed.usage, { inputTokens: 7, outputTokens: 9, totalTokens: 16 });
    assert.equal(server.requests[0]?.stream, true);
  });

  it('sends the idempotency key as Idempotency-Key', async () => {
    await provider().doComplete(ask('hi'), { idempotencyKey: 'run-1:step-3' });
    assert.equal(server.requests[0]?.idempotencyKey, 'run-1:step-3');
    assert.equal(server.requests[0]?.hasApiKey, true);
  });

  it('reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL from the environment', async () => {
    await withEnv({ ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: server.anthropicBaseURL }, async () => {
      assert.equal((await anthropic().doComplete(ask('from env'), {})).text, 'claude-test: from env');
    });
  });
});

describe('anthropic provider: failures are classified ProviderErrors', () => {
  const cases: { fault: ScriptedResponse; errorClass: ProviderErrorClass; status: number; retryable: boolean }[] = [
    { fault: { fault: 'rate-limit', retryAfterSeconds: 2 }, errorClass: 'rate-limited', status: 429, retryable: true },
    { fault: { fault: 'server-error' }, errorClass: 'overloaded', status: 500, retryable: true },
    { fault: { fault: 'overloaded' }, errorClass: 'overloaded', status: 529, retryable: true },
    { fault: { fault: 'context-length' }, errorClass: 'context-too-long', status: 400, retryable: false },
    { fault: { fault: 'auth' }, errorClass: 'auth', status: 401, retryable: false },
    { fault: { fault: 'bad-request' }, errorClass: 'bad-request', status: 400, retryable: false },
  ];
  for (const { fault, errorClass, status, retryable } of cases) {
    for (const streaming of [false, true]) {
      it(`${JSON.stringify(fault)}${streaming ? ' (streaming)' : ''} → ${errorClass}`, async () => {
        server.script(fault);
        const error = await failure(provider().doComplete(ask('hi'), streaming ? { onToken: () => {} } : {}));
        assert.equal(error.errorClass, errorClass);
        assert.equal(error.retryable, retryable);
        assert.equal(error.data.status, status);
        assert.equal(error.data.provider, 'anthropic');
        assert.equal(error.data.model, 'claude-test');
        assert.match(error.message, new RegExp(`^anthropic:claude-test failed \\(${errorClass}\\): ${status} `));
      });
    }
  }

  it('carries retry-after as retryAfterMs, and the API’s own message', async () => {
    server.script({ fault: 'rate-limit', retryAfterSeconds: 3 }, { fault: 'context-length' });
    assert.equal((await failure(provider().doComplete(ask('hi'), {}))).retryAfterMs, 3000);
    const tooLong = await failure(provider().doComplete(ask('hi'), {}));
    assert.match(tooLong.message, /: 400 prompt is too long: \d+ tokens > 200000 maximum$/);
  });

  it('a stall past timeoutMs is a timeout; an unreachable server is overloaded', async () => {
    server.script({ fault: 'stall' });
    assert.equal((await failure(provider({ timeoutMs: 150 }).doComplete(ask('hi'), {}))).errorClass, 'timeout');
    const gone = await startModelServer();
    await gone.close();
    const error = await failure(anthropic({ apiKey: key, baseURL: gone.anthropicBaseURL }).doComplete(ask('hi'), {}));
    assert.equal(error.errorClass, 'overloaded');
  });

  it('an abort by the caller is a timeout, even when the whole stream had already arrived', async () => {
    server.script({ text: 'one two three four five six' });
    const controller = new AbortController();
    const error = await failure(provider().doComplete(ask('hi'), { signal: controller.signal, onToken: () => controller.abort() }));
    assert.equal(error.errorClass, 'timeout');
  });

  it('an answer that is not a Messages answer is an unknown failure naming the first wrong field, streamed or not', async () => {
    server.script(
      { raw: '"ok"' },
      { raw: '{"model": "m", "content": [{"type": "text"}], "usage": {"output_tokens": 1}}' },
      { raw: 'event: message_start\ndata: {"type": "message_start", "message": null}\n\n', contentType: 'text/event-stream' },
      { raw: 'event: message_start\ndata: {"type": "message_st\n\n', contentType: 'text/event-stream' },
    );
    const messages = [];
    for (const options of [{}, {}, { onToken: () => {} }, { onToken: () => {} }]) messages.push((await failure(provider().doComplete(ask('hi'), options))).message);
    assert.deepEqual(messages.slice(0, 3), [
      'anthropic:claude-test failed (unknown): the answer is not a Messages answer: (root): Invalid input: expected object, received string',
      'anthropic:claude-test failed (unknown): the answer is not a Messages answer: content.0.text: Invalid input: expected string, received undefined',
      'anthropic:claude-test failed (unknown): the answer is not a Messages stream event: message: Invalid input: expected object, received null',
    ]);
    // JSON.parse's own words follow, which are V8's.
    assert.match(messages[3]!, /^anthropic:claude-test failed \(unknown\): the answer is not JSON \(Unterminated string/);
  });

  it('keeps the prompt tokens of message_start when a message_delta leaves them out, and takes the cumulative ones it carries', async () => {
    const sse = (...events: object[]) => ({ raw: events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join(''), contentType: 'text/event-stream' });
    const start = { type: 'message_start', message: { id: 'm1', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, usage: { input_tokens: 12, cache_read_input_tokens: 30, output_tokens: 1 } } };
    const text = [
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
    ];
    server.script(
      sse(start, ...text, { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }, { type: 'message_stop' }),
      sse(start, ...text, { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 14, cache_read_input_tokens: null, output_tokens: 6 } }, { type: 'message_stop' }),
    );
    const omitted = await provider().doComplete(ask('hi'), { onToken: () => {} });
    assert.deepEqual(omitted.usage, { inputTokens: 42, outputTokens: 5, totalTokens: 47 });
    const cumulative = await provider().doComplete(ask('hi'), { onToken: () => {} });
    assert.deepEqual(cumulative.usage, { inputTokens: 44, outputTokens: 6, totalTokens: 50 }, 'a null counter keeps the start\'s');
  });

  it('a request the SDK refuses to send is a bad request', async () => {
    // The SDK caps some models' non-streaming max_tokens lower than the ten-minute rule (8,192 here).
    const error = await failure(provider().doComplete({ ...ask('hi', 'claude-opus-4@20250514'), maxOutputTokens: 10_000 }, {}));
    assert.equal(error.errorClass, 'bad-request');
    assert.match(error.message, /Streaming is required/);
    assert.equal(server.requests.length, 0);
  });
});

describe('anthropic provider: keys', () => {
  it('throws MissingApiKeyError naming ANTHROPIC_API_KEY when there is no key', async () => {
    await withEnv({ ANTHROPIC_API_KEY: undefined }, () => {
      assert.throws(
        () => anthropic(),
        (error: unknown) => error instanceof MissingApiKeyError && /"anthropic": set ANTHROPIC_API_KEY/.test(error.message),
      );
    });
  });

  it('never shows the key: not in the provider object, not in error messages', async () => {
    const instance = provider();
    assert.ok(!JSON.stringify(instance).includes(key));
    assert.ok(!inspect(instance, { depth: 10, showHidden: true }).includes(key));
    server.script({ fault: 'auth', message: `invalid x-api-key ${key}` });
    const error = await failure(instance.doComplete(ask('hi'), {}));
    assert.equal(error.message, 'anthropic:claude-test failed (auth): 401 invalid x-api-key [redacted]');
    assert.equal(error.cause, undefined);
  });
});
