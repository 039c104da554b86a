import type { ModelProvider } from '@ratchet/core';
import { estimatePromptTokens } from '@ratchet/core/worker';
import type OpenAI from 'openai';
import { checkedAnswer, refusalAsFailure, type CallContext } from '../provider-failure.ts';
import { chatCompletionShape } from './openai-answer-shape.ts';
import { collectOpenAIStream } from './collect-openai-stream.ts';
import { fromOpenAICompletion } from './from-openai-completion.ts';
import { mapOpenAIError } from './map-openai-error.ts';
import { toOpenAIRequest, type MaxTokensField } from './to-openai-request.ts';

export interface OpenAIChatProviderSettings {
  id: string;
  /** Built with `maxRetries: 0`: Ratchet retries durably itself, journaled and honouring retry-after. */
  client: OpenAI;
  maxTokensField: MaxTokensField;
  /** Redacted from every error message. */
  secrets: readonly string[];
}

/**
 * A `ModelProvider` over the Chat Completions API of an OpenAI client, wherever its `baseURL` points.
 * A refusal (`message.refusal`, or `finish_reason: "content_filter"`) is a `content-policy` failure,
 * as the 400 for the same thing is. Prompts are counted with the o200k_base tokenizer.
 */
export function openaiChatProvider({ id, client, maxTokensField, secrets }: OpenAIChatProviderSettings): ModelProvider {
  return {
    specificationVersion: 'ratchet.provider.v1',
    id,
    async doComplete(request, options) {
      const context: CallContext = { provider: id, model: request.model, secrets };
      const requestOptions = {
        signal: options.signal,
        headers: options.idempotencyKey === undefined ? undefined : { 'Idempotency-Key': options.idempotencyKey },
      };
      try {
        const body = toOpenAIRequest(request, maxTokensField);
        if (options.onToken) {
          const stream = await client.chat.completions.create(
            { ...body, stream: true, stream_options: { include_usage: true } },
            requestOptions,
          );
          return refusalAsFailure(await collectOpenAIStream(stream, context, options.onToken, options.signal), context);
        }
        const completion = checkedAnswer(await client.chat.completions.create(body, requestOptions), chatCompletionShape, 'a Chat Completion', context);
        return refusalAsFailure(fromOpenAICompletion(completion, id), context);
      } catch (error) {
        throw mapOpenAIError(error, context);
      }
    },
    estimateTokens: estimatePromptTokens,
  };
}
