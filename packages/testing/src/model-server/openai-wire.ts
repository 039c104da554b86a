import { estimateTokens, type Answer } from './answer.ts';
import {
  argumentChunks,
  contentText,
  retryAfterHeaders,
  textChunks,
  type FaultOutcome,
  type WireFormat,
  type WireRequest,
} from './wire-format.ts';

/** A fixed creation time: answers must not depend on the clock. */
const created = 1_767_225_600;
const contextWindow = 128_000;

const finishReasons = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
} as const;

/** OpenAI Chat Completions (`POST /v1/chat/completions`), in the shapes the `openai` SDK parses. */
export const openaiWire: WireFormat = {
  api: 'openai',
  path: '/v1/chat/completions',
  requestIdHeader: 'x-request-id',

  readRequest(body) {
    const { model, messages, stream, stream_options: streamOptions } = body;
    if (typeof model !== 'string' || model === '') return { invalid: "you must provide a model parameter" };
    if (!Array.isArray(messages) || messages.length === 0) {
      return { invalid: "Invalid 'messages': empty array. Expected an array with minimum length 1." };
    }
    let lastUserText = '';
    let inputChars = 0;
    for (const message of messages as { role?: unknown; content?: unknown }[]) {
      const text = contentText(message?.content);
      inputChars += text.length;
      if (message?.role === 'user' || message?.role === 'tool') lastUserText = text;
    }
    const request: WireRequest = {
      model,
      lastUserText,
      inputChars,
      stream: stream === true,
      includeUsage: (streamOptions as { include_usage?: unknown } | undefined)?.include_usage === true,
    };
    return request;
  },

  renderJson(answer, { n, request }) {
    return {
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created,
      model: request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.toolCalls.length > 0 && answer.text === '' ? null : answer.text,
            refusal: null,
            annotations: [],
            ...(answer.toolCalls.length > 0
              ? {
                  tool_calls: answer.toolCalls.map((call, index) => ({
                    id: toolCallId(call, n, index),
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finishReasons[answer.finishReason],
        },
      ],
      usage: usage(answer),
      service_tier: 'default',
      system_fingerprint: 'fp_ratchet',
    };
  },

  renderEvents(answer, { n, request }) {
    // Every chunk carries `usage: null` when usage was asked for; the last one then carries it alone.
    const chunk = (choices: unknown[]) =>
      frame({
        id: `chatcmpl-${n}`,
        object: 'chat.completion.chunk',
        created,
        model: request.model,
        system_fingerprint: 'fp_ratchet',
        choices,
        ...(request.includeUsage ? { usage: null } : {}),
      });
    const delta = (value: Record<string, unknown>, finishReason: string | null = null) =>
      chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

    const frames = [delta({ role: 'assistant', content: '', refusal: null })];
    for (const piece of textChunks(answer.text)) frames.push(delta({ content: piece }));
    answer.toolCalls.forEach((call, index) => {
      frames.push(
        delta({
          tool_calls: [
            { index, id: toolCallId(call, n, index), type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
      );
      for (const piece of argumentChunks(call.arguments)) {
        frames.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    frames.push(delta({}, finishReasons[answer.finishReason]));
    if (request.includeUsage) {
      frames.push(
        frame({
          id: `chatcmpl-${n}`,
          object: 'chat.completion.chunk',
          created,
          model: request.model,
          system_fingerprint: 'fp_ratchet',
          choices: [],
          usage: usage(answer),
        }),
      );
    }
    frames.push('data: [DONE]\n\n');
    return frames;
  },

  renderFault(fault, { request, maskedKey }): FaultOutcome {
    const error = (status: number, type: string, code: string | null, message: string, param: string | null = null) =>
      ({ kind: 'error', status, headers: {}, body: { error: { message, type, param, code } } }) as const;
    switch (fault.fault) {
      case 'rate-limit': {
        const seconds = fault.retryAfterSeconds ?? 1;
        const outcome = error(
          429,
          'requests',
          'rate_limit_exceeded',
          fault.message ??
            `Rate limit reached for ${request.model} in organization org-ratchet on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${seconds}s.`,
        );
        return { ...outcome, headers: retryAfterHeaders(seconds) };
      }
      case 'server-error':
        return error(
          fault.status ?? 500,
          'server_error',
          null,
          fault.message ?? 'The server had an error while processing your request. Sorry about that!',
        );
      case 'overloaded':
        return error(503, 'server_error', null, fault.message ?? 'That model is currently overloaded with other requests.');
      case 'context-length':
        return error(
          400,
          'invalid_request_error',
          'context_length_exceeded',
          fault.message ??
            `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${contextWindow + estimateTokens(request.inputChars)} tokens. Please reduce the length of the messages.`,
          'messages',
        );
      case 'auth':
        return error(
          401,
          'invalid_request_error',
          'invalid_api_key',
          fault.message ??
            `Incorrect API key provided: ${maskedKey}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        );
      case 'bad-request':
        return error(400, 'invalid_request_error', null, fault.message ?? 'Invalid request: the request body is not valid.');
      case 'content-policy':
        return error(
          400,
          'invalid_request_error',
          'content_policy_violation',
          fault.message ?? 'Your request was rejected as a result of our safety system.',
          'messages',
        );
    }
  },
};

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function toolCallId(call: Answer['toolCalls'][number], n: number, index: number): string {
  return call.id ?? `call_${n}_${index}`;
}

function usage({ usage: { inputTokens, outputTokens } }: Answer) {
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
