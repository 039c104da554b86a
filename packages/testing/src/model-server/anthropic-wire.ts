import { estimateTokens, type Answer } from './answer.ts';
import {
  argumentChunks,
  contentText,
  retryAfterHeaders,
  textChunks,
  type AnswerContext,
  type FaultOutcome,
  type WireFormat,
  type WireRequest,
} from './wire-format.ts';

const contextWindow = 200_000;

const stopReasons = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
} as const;

/**
 * Anthropic Messages (`POST /v1/messages`), in the shapes `@anthropic-ai/sdk` parses.
 *
 * Malformed tool-call arguments: streamed, they arrive as `input_json_delta` pieces exactly as
 * scripted, as the real API streams partial JSON. A JSON body cannot carry unparsable `input`, so
 * the non-streaming answer sends `input` as the raw string itself (the real API always sends an
 * object there); a client that passes tool input through raw still sees the malformed text.
 */
export const anthropicWire: WireFormat = {
  api: 'anthropic',
  path: '/v1/messages',
  requestIdHeader: 'request-id',

  readRequest(body) {
    const { model, messages, max_tokens: maxTokens, system, stream } = body;
    if (typeof model !== 'string' || model === '') return { invalid: 'model: Field required' };
    if (typeof maxTokens !== 'number') return { invalid: 'max_tokens: Field required' };
    if (!Array.isArray(messages) || messages.length === 0) {
      return { invalid: 'messages: at least one message is required' };
    }
    let lastUserText = '';
    let inputChars = contentText(system).length;
    for (const message of messages as { role?: unknown; content?: unknown }[]) {
      const text = contentText(message?.content);
      inputChars += text.length;
      if (message?.role === 'user') lastUserText = text;
    }
    const request: WireRequest = { model, lastUserText, inputChars, stream: stream === true, includeUsage: true };
    return request;
  },

  renderJson(answer, context) {
    return {
      ...messageEnvelope(context),
      content: [
        ...(answer.text === '' ? [] : [{ type: 'text', text: answer.text, citations: null }]),
        ...answer.toolCalls.map((call, index) => ({
          type: 'tool_use',
          id: toolUseId(call, context.n, index),
          name: call.name,
          input: parseInput(call.arguments),
          caller: { type: 'direct' },
        })),
      ],
      stop_reason: stopReasons[answer.finishReason],
      stop_details: stopDetails(answer),
      usage: { ...usage(answer), service_tier: 'standard' },
    };
  },

  renderEvents(answer, context) {
    const frames = [
      event('message_start', {
        message: {
          ...messageEnvelope(context),
          content: [],
          stop_reason: null,
          stop_details: null,
          usage: { ...usage(answer), output_tokens: 1, service_tier: 'standard' },
        },
      }),
    ];
    let index = 0;
    if (answer.text !== '') {
      frames.push(event('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } }));
      frames.push(event('ping', {}));
      for (const text of textChunks(answer.text)) {
        frames.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      }
      frames.push(event('content_block_stop', { index }));
      index += 1;
    }
    answer.toolCalls.forEach((call, position) => {
      frames.push(
        event('content_block_start', {
          index,
          content_block: {
            type: 'tool_use',
            id: toolUseId(call, context.n, position),
            name: call.name,
            input: {},
            caller: { type: 'direct' },
          },
        }),
      );
      for (const partial_json of ['', ...argumentChunks(call.arguments)]) {
        frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
      }
      frames.push(event('content_block_stop', { index }));
      index += 1;
    });
    frames.push(
      event('message_delta', {
        delta: { stop_reason: stopReasons[answer.finishReason], stop_sequence: null, stop_details: stopDetails(answer) },
        usage: usage(answer),
      }),
    );
    frames.push(event('message_stop', {}));
    return frames;
  },

  renderFault(fault, { n, request }): FaultOutcome {
    const error = (status: number, type: string, message: string) =>
      ({
        kind: 'error',
        status,
        headers: {},
        body: { type: 'error', error: { type, message }, request_id: `req_${n}` },
      }) as const;
    switch (fault.fault) {
      case 'rate-limit': {
        const seconds = fault.retryAfterSeconds ?? 1;
        const outcome = error(
          429,
          'rate_limit_error',
          fault.message ??
            'This request would exceed the rate limit for your organization (org-ratchet) of 50 requests per minute. Please try again later.',
        );
        return { ...outcome, headers: retryAfterHeaders(seconds) };
      }
      case 'server-error':
        return error(fault.status ?? 500, 'api_error', fault.message ?? 'Internal server error');
      case 'overloaded':
        return error(529, 'overloaded_error', fault.message ?? 'Overloaded');
      case 'context-length':
        return error(
          400,
          'invalid_request_error',
          fault.message ??
            `prompt is too long: ${contextWindow + estimateTokens(request.inputChars)} tokens > ${contextWindow} maximum`,
        );
      case 'auth':
        return error(401, 'authentication_error', fault.message ?? 'invalid x-api-key');
      case 'bad-request':
        return error(400, 'invalid_request_error', fault.message ?? 'messages: the request body is not valid');
      case 'content-policy':
        // The Messages API reports a policy refusal as a normal answer with `stop_reason: "refusal"`.
        return {
          kind: 'answer',
          answer: {
            text: '',
            toolCalls: [],
            finishReason: 'content-filter',
            usage: { inputTokens: estimateTokens(request.inputChars), outputTokens: 1 },
          },
        };
    }
  },
};

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function messageEnvelope({ n, request }: AnswerContext) {
  return { id: `msg_${n}`, type: 'message', role: 'assistant', model: request.model, stop_sequence: null };
}

function toolUseId(call: Answer['toolCalls'][number], n: number, index: number): string {
  return call.id ?? `toolu_${n}_${index}`;
}

function stopDetails(answer: Answer) {
  return answer.finishReason === 'content-filter' ? { type: 'refusal', category: null, explanation: null } : null;
}

function usage({ usage: { inputTokens, outputTokens } }: Answer) {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** Parsed JSON when the text is an object; otherwise the raw text (see the note on malformed arguments). */
function parseInput(raw: string): unknown {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : raw;
  } catch {
    return raw;
  }
}
