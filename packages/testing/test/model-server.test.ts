import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startModelServer, type ModelServer, type ScriptedResponse } from '../src/model-server/index.ts';

let server: ModelServer;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  server = await startModelServer();
  openai = new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'test-key', baseURL: server.anthropicBaseURL, maxRetries: 0 });
});
after(() => server.close());
beforeEach(() => server.reset());

const ask = (content: string, model = 'gpt-test') =>
  openai.chat.completions.create({ model, messages: [{ role: 'user', content }] });
const askClaude = (content: string, model = 'claude-test') =>
  anthropic.messages.create({ model, max_tokens: 256, messages: [{ role: 'user', content }] });

/** Resolves with what the call threw; fails the test if it succeeded. */
async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the call to fail');
}

describe('model server: OpenAI Chat Completions', () => {
  it('answers a scripted text reply with usage and the requested model', async () => {
    server.script({ text: 'Paris', usage: { inputTokens: 11, outputTokens: 2 } });
    const completion = await ask('Capital of France?');
    assert.equal(completion.id, 'chatcmpl-1');
    assert.equal(completion.model, 'gpt-test');
    assert.equal(completion.choices[0]?.message.content, 'Paris');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(
      { prompt: completion.usage?.prompt_tokens, completion: completion.usage?.completion_tokens, total: completion.usage?.total_tokens },
      { prompt: 11, completion: 2, total: 13 },
    );
  });

  it('renders the neutral finish reasons', async () => {
    server.script({ text: 'cut', finishReason: 'length' }, { text: '', finishReason: 'content-filter' });
    assert.equal((await ask('a')).choices[0]?.finish_reason, 'length');
    assert.equal((await ask('b')).choices[0]?.finish_reason, 'content_filter');
  });

  it('answers tool calls, passing raw argument text through unchanged', async () => {
    server.script({
      toolCalls: [
        { name: 'weather', arguments: { city: 'Paris' } },
        { name: 'lookup', arguments: '{"city": "Par', id: 'call_custom' },
      ],
    });
    const completion = await ask('Weather?');
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    assert.deepEqual(
      choice?.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.name, call.function.arguments] : [])),
      [
        ['call_1_0', 'weather', '{"city":"Paris"}'],
        ['call_custom', 'lookup', '{"city": "Par'],
      ],
    );
  });

  it('streams text and tool-call deltas, then usage, then [DONE]', async () => {
    server.script({ text: 'Checking the weather now.', toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] });
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const textDeltas: string[] = [];
    const argumentDeltas: string[] = [];
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) textDeltas.push(choice.delta.content);
      for (const call of choice?.delta.tool_calls ?? []) argumentDeltas.push(call.function?.arguments ?? '');
      finishReason = choice?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(textDeltas.length > 1, 'text arrives in several deltas');
    assert.equal(textDeltas.join(''), 'Checking the weather now.');
    assert.equal(argumentDeltas.join(''), '{"city":"Paris"}');
    assert.equal(finishReason, 'tool_calls');
    assert.ok(usage && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens);
  });

  it('streams no usage chunk unless include_usage is set', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const chunk of stream) assert.equal(chunk.usage, undefined);
  });
});

describe('model server: Anthropic Messages', () => {
  it('answers a scripted text reply with usage and the requested model', async () => {
    server.script({ text: 'Paris', usage: { inputTokens: 11, outputTokens: 2 } });
    const message = await askClaude('Capital of France?');
    assert.equal(message.id, 'msg_1');
    assert.equal(message.model, 'claude-test');
    assert.deepEqual(
      message.content.map((block) => (block.type === 'text' ? block.text : block.type)),
      ['Paris'],
    );
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 11);
    assert.equal(message.usage.output_tokens, 2);
  });

  it('answers tool_use blocks; malformed arguments arrive as the raw string', async () => {
    server.script({
      text: 'Let me look.',
      toolCalls: [
        { name: 'weather', arguments: { city: 'Paris' } },
        { name: 'lookup', arguments: '{"city": "Par' },
      ],
    });
    const message = await askClaude('Weather?');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(
      message.content.map((block) => (block.type === 'tool_use' ? [block.id, block.name, block.input] : [block.type])),
      [['text'], ['toolu_1_0', 'weather', { city: 'Paris' }], ['toolu_1_1', 'lookup', '{"city": "Par']],
    );
  });

  it('streams message_start, text_delta and input_json_delta, message_delta with usage, message_stop', async () => {
    server.script({ text: 'Checking the weather now.', toolCalls: [{ name: 'lookup', arguments: '{"city": "Par' }] });
    const stream = await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let json = '';
    let stopReason: string | null = null;
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') assert.equal(event.message.model, 'claude-test');
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') json += event.delta.partial_json;
      if (event.type === 'message_delta') {
        stopReason = event.delta.stop_reason;
        outputTokens = event.usage.output_tokens;
      }
    }
    assert.equal(types[0], 'message_start');
    assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
    assert.ok(types.filter((type) => type === 'content_block_start').length === 2);
    assert.equal(text, 'Checking the weather now.');
    assert.equal(json, '{"city": "Par');
    assert.equal(stopReason, 'tool_use');
    assert.ok(outputTokens > 0);
  });

  it('accepts the key in either header and reads system prompts', async () => {
    await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 16,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(server.requests[0]?.hasApiKey, true);
    assert.equal((server.requests[0]?.body as { system?: unknown }).system, 'Be brief.');
  });
});

describe('model server: faults raise the SDKs’ real error classes', () => {
  it('rate limit: 429 with retry-after and retry-after-ms', async () => {
    server.script({ fault: 'rate-limit', retryAfterSeconds: 2, match: { api: 'openai' } });
    server.script({ fault: 'rate-limit', retryAfterSeconds: 3, match: { api: 'anthropic' } });
    const fromOpenAI = await failure(ask('hi'));
    assert.ok(fromOpenAI instanceof OpenAI.RateLimitError);
    assert.equal(fromOpenAI.status, 429);
    assert.equal(fromOpenAI.code, 'rate_limit_exceeded');
    assert.equal(fromOpenAI.headers.get('retry-after'), '2');
    assert.equal(fromOpenAI.headers.get('retry-after-ms'), '2000');
    const fromAnthropic = await failure(askClaude('hi'));
    assert.ok(fromAnthropic instanceof Anthropic.RateLimitError);
    assert.equal(fromAnthropic.type, 'rate_limit_error');
    assert.equal(fromAnthropic.headers.get('retry-after'), '3');
    assert.equal(fromAnthropic.headers.get('retry-after-ms'), '3000');
  });

  it('server error: 500, or the status given', async () => {
    server.script({ fault: 'server-error' }, { fault: 'server-error', status: 502 });
    const first = await failure(ask('hi'));
    assert.ok(first instanceof OpenAI.InternalServerError);
    assert.equal(first.status, 500);
    const second = await failure(askClaude('hi'));
    assert.ok(second instanceof Anthropic.InternalServerError);
    assert.equal(second.status, 502);
    assert.equal(second.type, 'api_error');
  });

  it('overloaded: OpenAI 503, Anthropic 529 overloaded_error', async () => {
    server.script({ fault: 'overloaded', times: 2 });
    const fromOpenAI = await failure(ask('hi'));
    assert.ok(fromOpenAI instanceof OpenAI.InternalServerError);
    assert.equal(fromOpenAI.status, 503);
    const fromAnthropic = await failure(askClaude('hi'));
    assert.ok(fromAnthropic instanceof Anthropic.OverloadedError);
    assert.equal(fromAnthropic.status, 529);
    assert.equal(fromAnthropic.type, 'overloaded_error');
  });

  it('context length: 400 context_length_exceeded / "prompt is too long"', async () => {
    server.script({ fault: 'context-length', times: 2 });
    const fromOpenAI = await failure(ask('hi'));
    assert.ok(fromOpenAI instanceof OpenAI.BadRequestError);
    assert.equal(fromOpenAI.code, 'context_length_exceeded');
    const fromAnthropic = await failure(askClaude('hi'));
    assert.ok(fromAnthropic instanceof Anthropic.BadRequestError);
    assert.equal(fromAnthropic.type, 'invalid_request_error');
    assert.match(fromAnthropic.apiMessage ?? '', /^prompt is too long: \d+ tokens > 200000 maximum$/);
  });

  it('auth: 401, OpenAI echoing only a masked key', async () => {
    server.script({ fault: 'auth', times: 2 });
    const keyed = new OpenAI({ apiKey: 'sk-test-0123456789abcdef', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const fromOpenAI = await failure(keyed.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(fromOpenAI instanceof OpenAI.AuthenticationError);
    assert.equal(fromOpenAI.code, 'invalid_api_key');
    assert.match(fromOpenAI.message, /sk-\*+cdef/);
    assert.ok(!fromOpenAI.message.includes('sk-test-0123456789abcdef'));
    const fromAnthropic = await failure(askClaude('hi'));
    assert.ok(fromAnthropic instanceof Anthropic.AuthenticationError);
    assert.equal(fromAnthropic.type, 'authentication_error');
  });

  it('bad request: 400 invalid_request_error, with the message given', async () => {
    server.script({ fault: 'bad-request', message: 'tools.0: name is invalid', times: 2 });
    const fromOpenAI = await failure(ask('hi'));
    assert.ok(fromOpenAI instanceof OpenAI.BadRequestError);
    assert.equal(fromOpenAI.type, 'invalid_request_error');
    assert.match(fromOpenAI.message, /tools\.0: name is invalid/);
    const fromAnthropic = await failure(askClaude('hi'));
    assert.ok(fromAnthropic instanceof Anthropic.BadRequestError);
    assert.equal(fromAnthropic.apiMessage, 'tools.0: name is invalid');
  });

  it('content policy: OpenAI 400 content_policy_violation; Anthropic stop_reason "refusal"', async () => {
    server.script({ fault: 'content-policy', times: 3 });
    const fromOpenAI = await failure(ask('hi'));
    assert.ok(fromOpenAI instanceof OpenAI.BadRequestError);
    assert.equal(fromOpenAI.code, 'content_policy_violation');
    const refusal = await askClaude('hi');
    assert.equal(refusal.stop_reason, 'refusal');
    assert.deepEqual(refusal.content, []);
    const stream = await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let stopReason: string | null = null;
    for await (const event of stream) if (event.type === 'message_delta') stopReason = event.delta.stop_reason;
    assert.equal(stopReason, 'refusal');
  });

  it('stall: never answers, so the client times out', async () => {
    server.script({ fault: 'stall', times: 2 });
    const impatient = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0, timeout: 150 });
    assert.ok((await failure(impatient.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))) instanceof OpenAI.APIConnectionTimeoutError);
    const impatientClaude = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseURL, maxRetries: 0, timeout: 150 });
    assert.ok((await failure(impatientClaude.messages.create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }))) instanceof Anthropic.APIConnectionTimeoutError);
    assert.equal(server.requests[0]?.status, undefined);
  });

  it('stall with ms: drops the connection without an answer', async () => {
    server.script({ fault: 'stall', ms: 50 });
    const error = await failure(ask('hi'));
    assert.ok(error instanceof OpenAI.APIConnectionError);
    assert.ok(!(error instanceof OpenAI.APIConnectionTimeoutError));
  });

  it('raw: writes the body exactly as given, with its status and content type; hangUp drops the connection after it', async () => {
    const page = '<html><body>502 Bad Gateway</body></html>';
    server.script({ raw: page, status: 502, contentType: 'text/html' }, { raw: '{"id": "chatcmpl-1", "cho' }, { raw: '{"id": "msg_1", ', hangUp: true });
    const gateway = await fetch(`${server.openaiBaseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.deepEqual([gateway.status, gateway.headers.get('content-type'), await gateway.text()], [502, 'text/html', page]);
    assert.ok((await failure(ask('hi'))) instanceof SyntaxError, 'the SDK parses the cut JSON');
    // The headers arrived, so the SDK returned; reading the body then fails as the socket closes.
    assert.match(String((await failure(askClaude('hi'))).cause), /other side closed/);
    assert.deepEqual(server.requests.map((request) => request.status), [502, 200, 200]);
  });

  it('close() does not wait for a stalled request', async () => {
    const own = await startModelServer();
    own.script({ fault: 'stall' });
    const client = new OpenAI({ apiKey: 'k', baseURL: own.openaiBaseURL, maxRetries: 0 });
    const pending = failure(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    await new Promise<void>((resolve) => own.on('request', () => resolve()));
    await own.close();
    assert.ok((await pending) instanceof OpenAI.APIConnectionError);
  });

  it('an invalid body is answered 400 in the API’s format and not recorded', async () => {
    const error = await failure(anthropic.messages.create({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] } as never));
    assert.ok(error instanceof Anthropic.BadRequestError);
    assert.equal(error.apiMessage, 'max_tokens: Field required');
    assert.equal(server.requests.length, 0);
  });
});

describe('model server: default reply, script queue, records and events', () => {
  it('answers deterministically from the request when nothing is scripted', async () => {
    const long = 'Summarise the quarterly report for ACME Corporation, focusing on revenue, costs and the outlook.';
    const first = await ask(long, 'gpt-demo');
    server.reset();
    const second = await ask(long, 'gpt-demo');
    assert.deepEqual(first, second);
    assert.equal(first.choices[0]?.message.content, 'gpt-demo: Summarise the quarterly report for ACME Corporation,…');
    assert.equal(first.usage?.prompt_tokens, Math.ceil(long.length / 4));
    const claude = await askClaude('Hello there');
    assert.deepEqual(claude.content.map((block) => (block.type === 'text' ? block.text : '')), ['claude-test: Hello there']);
  });

  it('serves entries in order, skipping those whose match does not fit, and repeats `times`', async () => {
    server.script(
      { text: 'for b', match: { model: 'model-b' } },
      { text: 'first', times: 2 },
      { text: 'claude only', match: { api: 'anthropic' } },
      { text: 'last' },
    );
    const text = async (model: string) => (await ask('q', model)).choices[0]?.message.content;
    assert.equal(await text('model-a'), 'first');
    assert.equal(await text('model-a'), 'first');
    assert.equal(await text('model-a'), 'last');
    assert.equal(await text('model-b'), 'for b');
    assert.equal(await text('model-a'), 'model-a: q');
    const claude = await askClaude('q');
    assert.deepEqual(claude.content.map((block) => (block.type === 'text' ? block.text : '')), ['claude only']);
  });

  it('records every request without the key, and counts them', async () => {
    await ask('one', 'gpt-a');
    await openai.chat.completions.create(
      { model: 'gpt-b', messages: [{ role: 'user', content: 'two' }], stream: true },
      { headers: { 'Idempotency-Key': 'run-1:step-2' } },
    ).then(async (stream) => {
      for await (const _ of stream);
    });
    await askClaude('three', 'claude-a');
    assert.deepEqual(
      server.requests.map(({ n, api, model, stream, hasApiKey, idempotencyKey, status }) => ({ n, api, model, stream, hasApiKey, idempotencyKey, status })),
      [
        { n: 1, api: 'openai', model: 'gpt-a', stream: false, hasApiKey: true, idempotencyKey: undefined, status: 200 },
        { n: 2, api: 'openai', model: 'gpt-b', stream: true, hasApiKey: true, idempotencyKey: 'run-1:step-2', status: 200 },
        { n: 3, api: 'anthropic', model: 'claude-a', stream: false, hasApiKey: true, idempotencyKey: undefined, status: 200 },
      ],
    );
    assert.deepEqual((server.requests[0]?.body as { messages: unknown }).messages, [{ role: 'user', content: 'one' }]);
    assert.ok(server.requests.every((request) => typeof request.at === 'number'));
    assert.ok(!JSON.stringify(server.requests).includes('test-key'));
    assert.equal(server.requests[0]?.headers['content-type'], 'application/json');
    assert.equal(server.requests[0]?.headers.authorization, undefined);
    assert.equal(server.countFor(), 3);
    assert.equal(server.countFor({ api: 'openai' }), 2);
    assert.equal(server.countFor({ model: 'claude-a' }), 1);
    assert.equal(server.countFor({ model: 'gpt-a', api: 'anthropic' }), 0);
  });

  it('reset empties the queue and the records and restarts numbering', async () => {
    server.script({ text: 'scripted' });
    await ask('x');
    server.script({ text: 'left over' });
    server.reset();
    assert.equal(server.requests.length, 0);
    const completion = await ask('x');
    assert.equal(completion.id, 'chatcmpl-1');
    assert.equal(completion.choices[0]?.message.content, 'gpt-test: x');
  });

  it('fires `request` on arrival and `response` once the answer is written; unsubscribes', async () => {
    const seen: string[] = [];
    const offRequest = server.on('request', (request) => seen.push(`request ${request.n} ${String(request.status)}`));
    const offResponse = server.on('response', (request) => seen.push(`response ${request.n} ${String(request.status)}`));
    server.script({ text: 'slow', delayMs: 80 }, { fault: 'rate-limit' });
    const started = Date.now();
    const pending = ask('x');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(seen, ['request 1 undefined'], 'the request is seen while its answer is delayed');
    await pending;
    assert.ok(Date.now() - started >= 80);
    await failure(ask('y'));
    offRequest();
    offResponse();
    await ask('z');
    assert.deepEqual(seen, ['request 1 undefined', 'response 1 200', 'request 2 undefined', 'response 2 429']);
  });

  it('rejects a non-positive `times`', () => {
    assert.throws(() => server.script({ text: 'x', times: 0 } satisfies ScriptedResponse), RangeError);
  });
});
