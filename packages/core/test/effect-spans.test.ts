import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ToolInputError } from '../src/index.ts';
import { EffectSpans, runSpanContext } from '../src/worker/index.ts';

const context = { runId: 'r-1', stepId: 'llm:draft#1', idempotencyKey: 'r-1:llm:draft#1', attempt: 2, signal: new AbortController().signal };
const completion = {
  text: 'Dear Ada',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 },
  provider: 'anthropic',
  model: 'claude-x',
  costUsd: 0.0004,
  routeAttempts: [
    { model: 'openai:gpt-x', outcome: 'failed', errorClass: 'rate-limited', latencyMs: 5 },
    { model: 'anthropic:claude-x', outcome: 'answered', latencyMs: 40 },
  ],
};
const llmInput = { requested: 'drafting', route: {}, request: { messages: [{ role: 'user', content: 'Write to Ada' }] } };

function spansWith(recordContent: boolean) {
  const exporter = new InMemorySpanExporter();
  const spans = new EffectSpans('local', { tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }), recordContent });
  return { spans, finished: () => exporter.getFinishedSpans() };
}

describe('effect spans', () => {
  it('reports a completion as a GenAI chat span with the route attempts as events, in the trace of its run', async () => {
    const { spans, finished } = spansWith(false);
    await spans.around({ type: 'llm' }, llmInput, context, async () => ({ output: completion, compensable: false }));
    const [span] = finished();
    assert.equal(span!.name, 'chat drafting');
    assert.equal(span!.spanContext().traceId, runSpanContext('r-1').traceId);
    assert.equal(span!.parentSpanContext?.spanId, runSpanContext('r-1').spanId);
    assert.deepEqual(span!.attributes, {
      'ratchet.run_id': 'r-1',
      'ratchet.step_id': 'llm:draft#1',
      'ratchet.attempt': 2,
      'ratchet.driver': 'local',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'drafting',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.model': 'claude-x',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'ratchet.cost_usd': 0.0004,
    });
    assert.deepEqual(span!.events.map((event) => event.attributes), [
      { 'gen_ai.request.model': 'gpt-x', 'gen_ai.provider.name': 'openai', 'ratchet.route.outcome': 'failed', 'ratchet.route.latency_ms': 5, 'error.type': 'rate-limited' },
      { 'gen_ai.request.model': 'claude-x', 'gen_ai.provider.name': 'anthropic', 'ratchet.route.outcome': 'answered', 'ratchet.route.latency_ms': 40 },
    ]);
  });

  it('puts prompts, answers and tool arguments on the spans only when the worker opts in', async () => {
    const { spans, finished } = spansWith(true);
    await spans.around({ type: 'llm' }, llmInput, context, async () => ({ output: completion, compensable: false }));
    await spans.around({ type: 'tool', name: 'send' }, { to: 'ada' }, { ...context, stepId: 'tool:send#1' }, async () => ({ output: { sent: true }, compensable: false }));
    const [chat, tool] = finished();
    assert.equal(chat!.attributes['gen_ai.input.messages'], JSON.stringify(llmInput.request.messages));
    assert.match(String(chat!.attributes['gen_ai.output.messages']), /Dear Ada/);
    assert.deepEqual([tool!.name, tool!.attributes['gen_ai.tool.call.arguments'], tool!.attributes['gen_ai.tool.call.result']], ['execute_tool send', '{"to":"ada"}', '{"sent":true}']);
  });

  it('marks a failed attempt with its error kind, and throws the error on', async () => {
    const { spans, finished } = spansWith(false);
    const error = new ToolInputError('send', [{ path: 'to', message: 'Required' }]);
    await assert.rejects(spans.around({ type: 'step', name: 'ship' }, {}, { ...context, stepId: 'step:ship#1' }, async () => Promise.reject(error)), (thrown) => thrown === error);
    const [span] = finished();
    assert.deepEqual([span!.name, span!.attributes['error.type'], span!.status.code], ['ratchet.step ship', 'tool-input', 2]);
    assert.equal(span!.events[0]!.name, 'exception');
  });
});
