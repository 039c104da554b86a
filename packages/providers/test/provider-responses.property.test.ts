import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ProviderError, type Completion, type ModelProvider, type ModelRequest } from '@ratchet/core';
import type { ModelApi, RawReply } from '@ratchet/testing';
import { anthropic, openai } from '../src/index.ts';
import { useModelTestbed } from './model-testbed.ts';
import { withEnv } from './with-env.ts';

const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
const apis: readonly ModelApi[] = ['openai', 'anthropic'];
const finishReasons = new Set(['stop', 'length', 'tool-calls', 'content-filter', 'other']);

const html = (title: string) => fc.string().map((text) => `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`);
const errorPage = (...statuses: number[]) =>
  fc.constantFrom(...statuses).chain((status) => html(`${status} Bad Gateway`).map((raw): RawReply => ({ raw, status, contentType: 'text/html' })));
const cut = (text: string) => fc.nat({ max: text.length - 1 }).map((at) => text.slice(0, at));

/** Bad answers to a call that does not stream: error pages, a page served as the answer, text, JSON of any shape, the answer cut. */
const badJson = (valid: string): fc.Arbitrary<RawReply> =>
  fc.oneof(
    errorPage(500, 502, 503, 504, 520),
    html('Welcome').map((raw) => ({ raw, contentType: 'text/html; charset=utf-8' })),
    fc.string().map((raw) => ({ raw })),
    fc.jsonValue().map((value) => ({ raw: JSON.stringify(value) })),
    cut(valid).map((raw) => ({ raw })),
    cut(valid).map((raw) => ({ raw, hangUp: true })),
  );

/** Bad answers to a streamed call: error pages, the stream cut anywhere, garbage lines among its events, events of any shape. */
const badEvents = (valid: string): fc.Arbitrary<RawReply> => {
  const lines = valid.split('\n');
  const garbage = fc.oneof(fc.string(), fc.string().map((text) => `data: ${text}`), fc.jsonValue().map((value) => `data: ${JSON.stringify(value)}`));
  const stream = (raw: string, hangUp = false): RawReply => ({ raw, contentType: 'text/event-stream', hangUp });
  return fc.oneof(
    errorPage(500, 502, 503),
    cut(valid).map((raw) => stream(raw)),
    cut(valid).map((raw) => stream(raw, true)),
    fc.array(fc.tuple(fc.nat({ max: lines.length }), garbage), { minLength: 1, maxLength: 3 }).map((insertions) => {
      const changed = [...lines];
      for (const [at, line] of insertions) changed.splice(at, 0, line, '');
      return stream(changed.join('\n'));
    }),
    fc.array(fc.jsonValue(), { maxLength: 3 }).map((events) => stream(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''))),
  );
};

/**
 * What a call to a server answering `reply` must end in: a well-formed completion, or a
 * `ProviderError` naming the problem (the status it answered, or what is wrong with the answer).
 * Anything else thrown (a TypeError from reading a field that is not there) fails.
 */
async function assertSettles(call: Promise<Completion>, reply: RawReply): Promise<void> {
  let completion: Completion;
  try {
    completion = await call;
  } catch (error) {
    if (!(error instanceof ProviderError)) assert.fail(`expected a ProviderError, got ${(error as Error)?.stack ?? String(error)}`);
    if (reply.status !== undefined && reply.status >= 400) {
      assert.equal(error.data.status, reply.status, error.message);
      assert.ok(error.message.includes(String(reply.status)), error.message);
      return;
    }
    assert.equal(error.errorClass, 'unknown', error.message);
    // A connection closed mid-answer is named by its causes (fetch's own words).
    const named = /failed \(unknown\): the answer (is not|stream ended)/.test(error.message) || (reply.hangUp === true && error.message.includes(' <- '));
    assert.ok(named, error.message);
    return;
  }
  assert.equal(typeof completion.text, 'string');
  assert.equal(typeof completion.model, 'string');
  assert.ok(finishReasons.has(completion.finishReason), completion.finishReason);
  for (const call of completion.toolCalls) assert.deepEqual([typeof call.id, typeof call.name, typeof call.arguments], ['string', 'string', 'string']);
  for (const count of Object.values(completion.usage)) assert.equal(typeof count, 'number');
}

describe('providers: bad answers from a real HTTP server', () => {
  const testbed = useModelTestbed();
  /** What the model server answers a real request, byte for byte: the valid answers the bad ones are cut from. */
  const validAnswers = new Map<string, string>();

  before(async () => {
    const { server } = testbed;
    for (const api of apis) {
      for (const stream of [false, true]) {
        server.script({ text: 'It is sunny', toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] });
        const url = api === 'openai' ? `${server.openaiBaseURL}/chat/completions` : `${server.anthropicBaseURL}/v1/messages`;
        const body = { model: 'm', max_tokens: 64, messages: request.messages, stream, ...(api === 'openai' && stream ? { stream_options: { include_usage: true } } : {}) };
        const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(body) });
        validAnswers.set(`${api} ${stream}`, await answer.text());
      }
    }
  });

  const provider = (api: ModelApi): ModelProvider =>
    api === 'openai'
      ? openai({ apiKey: 'sk-test', baseURL: testbed.server.openaiBaseURL, timeoutMs: 2_000 })
      : anthropic({ apiKey: 'sk-ant-test', baseURL: testbed.server.anthropicBaseURL, timeoutMs: 2_000 });

  for (const api of apis) {
    for (const stream of [false, true]) {
      it(`${api}, ${stream ? 'streamed' : 'not streamed'}: every answer ends in a completion or a ProviderError naming the problem, within 5 s`, async () => {
        const valid = validAnswers.get(`${api} ${stream}`)!;
        // The SDKs log each event they cannot parse, which here is most runs; they read the level when a client is built.
        await withEnv({ OPENAI_LOG: 'off', ANTHROPIC_LOG: 'off' }, () =>
          fc.assert(
            fc.asyncProperty(stream ? badEvents(valid) : badJson(valid), async (reply) => {
              testbed.server.script(reply);
              await assertSettles(provider(api).doComplete(request, stream ? { onToken: () => {} } : {}), reply);
            }),
            { numRuns: 100, timeout: 5_000 },
          ),
        );
      });
    }
  }
});
