import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Completion } from '../model/completion.ts';
import { parseModelId } from '../model/model-id.ts';
import type { EffectResult, EffectTarget } from '../runtime/durable-host.ts';
import type { CompletionEffectInput } from './complete-on-route.ts';
import type { EffectContext } from './implementation.ts';

/** What a worker reports to OpenTelemetry (`createWorker(driver, { telemetry })`). */
export interface TelemetryOptions {
  /** Where spans go; default the global provider (`trace.setGlobalTracerProvider`, or an SDK's `register()`). */
  tracerProvider?: TracerProvider;
  /** Put prompts, completions, tool arguments and results on the spans. Off by default: they are the user's data. */
  recordContent?: boolean;
}

/**
 * The spans of the effects a worker runs, on every driver: one per attempt that runs (an effect the
 * journal answers on replay runs nothing and reports nothing, so a completion is never reported
 * twice). A completion is a GenAI `chat` span (client kind) with the provider, the requested and
 * the answering model, token usage and finish reason, and each route attempt as an event; a tool is
 * `execute_tool`; steps, prompts and compensations are `ratchet.*` spans. Every span of a run is in
 * one trace whose id is derived from the run id, whichever worker, engine or execution ran it, under
 * a parent id derived the same way (`runSpanContext`).
 */
export class EffectSpans {
  readonly #tracer: Tracer;
  readonly #driver: string;
  readonly #recordContent: boolean;

  constructor(driver: string, options: TelemetryOptions = {}) {
    this.#tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@ratchet/core', '0.1.0');
    this.#driver = driver;
    this.#recordContent = options.recordContent === true;
  }

  async around(target: EffectTarget, input: unknown, context: EffectContext, run: () => Promise<EffectResult>): Promise<EffectResult> {
    const span = this.#tracer.startSpan(spanName(target, input), { kind: target.type === 'llm' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: this.#attributes(target, input, context) }, trace.setSpanContext(ROOT_CONTEXT, runSpanContext(context.runId)));
    try {
      const result = await run();
      if (target.type === 'llm') this.#completed(span, result.output as Completion);
      else if (this.#recordContent && target.type === 'tool') span.setAttribute('gen_ai.tool.call.result', JSON.stringify(result.output));
      return result;
    } catch (error) {
      const kind = (error as { kind?: unknown } | null)?.kind;
      span.setAttribute('error.type', typeof kind === 'string' ? kind : ((error as Error | null)?.name ?? 'Error'));
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | null)?.message ?? String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  #attributes(target: EffectTarget, input: unknown, context: EffectContext): Attributes {
    const common: Attributes = { 'ratchet.run_id': context.runId, 'ratchet.step_id': context.stepId, 'ratchet.attempt': context.attempt, 'ratchet.driver': this.#driver };
    if (target.type === 'llm') {
      const { requested, request } = input as CompletionEffectInput;
      return {
        ...common,
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': requestedModel(requested),
        ...(this.#recordContent ? { 'gen_ai.input.messages': JSON.stringify(request.messages) } : {}),
      };
    }
    if (target.type === 'tool') {
      return { ...common, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': target.name, ...(this.#recordContent ? { 'gen_ai.tool.call.arguments': JSON.stringify(input) } : {}) };
    }
    return common;
  }

  #completed(span: Span, completion: Completion): void {
    span.setAttributes({
      'gen_ai.provider.name': completion.provider,
      'gen_ai.response.model': completion.model,
      'gen_ai.usage.input_tokens': completion.usage.inputTokens,
      'gen_ai.usage.output_tokens': completion.usage.outputTokens,
      'gen_ai.response.finish_reasons': [completion.finishReason],
      ...(completion.costUsd === undefined ? {} : { 'ratchet.cost_usd': completion.costUsd }),
      ...(completion.prompt ? { 'ratchet.prompt.name': completion.prompt.name, 'ratchet.prompt.version': completion.prompt.version } : {}),
      ...(this.#recordContent ? { 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: completion.text, tool_calls: completion.toolCalls }]) } : {}),
    });
    for (const attempt of completion.routeAttempts ?? []) {
      const model = attempt.model.includes(':') ? parseModelId(attempt.model) : undefined;
      span.addEvent('ratchet.route_attempt', {
        'gen_ai.request.model': model?.model ?? attempt.model,
        ...(model ? { 'gen_ai.provider.name': model.provider } : {}),
        'ratchet.route.outcome': attempt.outcome,
        'ratchet.route.latency_ms': attempt.latencyMs,
        ...(attempt.errorClass ? { 'error.type': attempt.errorClass } : {}),
        ...(attempt.reason ? { 'ratchet.route.reason': attempt.reason } : {}),
      });
    }
  }
}

/**
 * The span context every span of a run hangs under: its trace id is the first 128 bits of the run
 * id's SHA-256, its span id the next 64, so spans from every worker, engine and execution of one run
 * land in one trace, and a user can find it from the run id alone.
 */
export function runSpanContext(runId: string) {
  const hex = bytesToHex(sha256(new TextEncoder().encode(`ratchet.run:${runId}`)));
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48), traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

function spanName(target: EffectTarget, input: unknown): string {
  if (target.type === 'llm') return `chat ${requestedModel((input as CompletionEffectInput).requested)}`;
  if (target.type === 'tool') return `execute_tool ${target.name}`;
  if (target.type === 'compensation') return `ratchet.compensate ${target.of.name}`;
  if (target.type === 'prompt') return `ratchet.prompt ${(input as { name?: string }).name ?? ''}`.trimEnd();
  return `ratchet.step ${target.name}`;
}

/** `gpt-4o` of `openai:gpt-4o`; a route's name as it is. */
function requestedModel(requested: string): string {
  return requested.includes(':') ? parseModelId(requested).model : requested;
}
