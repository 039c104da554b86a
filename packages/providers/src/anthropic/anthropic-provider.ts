import type { ModelProvider } from '@ratchet/core';
import Anthropic from '@anthropic-ai/sdk';
import { checkedAnswer, refusalAsFailure, type CallContext } from '../provider-failure.ts';
import { resolveApiKey } from '../resolve-api-key.ts';
import { messageShape } from './anthropic-answer-shape.ts';
import { collectAnthropicStream } from './collect-anthropic-stream.ts';
import { estimateAnthropicTokens } from './estimate-anthropic-tokens.ts';
import { fromAnthropicMessage } from './from-anthropic-message.ts';
import { mapAnthropicError } from './map-anthropic-error.ts';
import { toAnthropicRequest } from './to-anthropic-request.ts';

export interface AnthropicProviderOptions {
  /** The prefix in model ids (`anthropic` in `anthropic:claude-sonnet-4-5`); default `anthropic`. */
  id?: string;
  /** Default: the `ANTHROPIC_API_KEY` environment variable. */
  apiKey?: string;
  /** Default: `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`. */
  baseURL?: string;
  /** Per HTTP request; default the SDK's. */
  timeoutMs?: number;
  /** `max_tokens` when the request sets no `maxOutputTokens` (the API requires one); default 4096. */
  defaultMaxOutputTokens?: number;
}

/**
 * The SDK refuses a non-streaming request whose `max_tokens` could take over ten minutes
 * ("Streaming is required for operations that may take longer than 10 minutes": it allows
 * 10 min × 128,000 tokens/hour). A budget can raise the cap that far, so such calls are streamed
 * and assembled into the same completion.
 */
const maxNonStreamingTokens = Math.floor((10 * 128_000) / 60);

/**
 * Anthropic's Messages API through the official `@anthropic-ai/sdk` client.
 *
 * Throws `MissingApiKeyError` at once when there is no key. Every call failure is a `ProviderError`
 * whose `errorClass` drives Ratchet's retry and routing; the SDK itself never retries. A refusal
 * (`stop_reason: "refusal"`, answered with a 200) is a `content-policy` failure too. Prompts are
 * estimated at 3.5 characters a token, Anthropic having no public tokenizer.
 *
 * @example
 * const worker = await createWorker(driver, { agents, implementations, providers: [anthropic()] }); // reads ANTHROPIC_API_KEY
 */
export function anthropic(options: AnthropicProviderOptions = {}): ModelProvider {
  const id = options.id ?? 'anthropic';
  const apiKey = resolveApiKey(id, options.apiKey, 'ANTHROPIC_API_KEY');
  const defaultMaxOutputTokens = options.defaultMaxOutputTokens ?? 4096;
  const client = new Anthropic({ apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 0 });
  const secrets = [apiKey];
  return {
    specificationVersion: 'ratchet.provider.v1',
    id,
    async doComplete(request, callOptions) {
      const context: CallContext = { provider: id, model: request.model, secrets };
      const requestOptions = {
        signal: callOptions.signal,
        headers: callOptions.idempotencyKey === undefined ? undefined : { 'Idempotency-Key': callOptions.idempotencyKey },
      };
      try {
        const body = toAnthropicRequest(request, defaultMaxOutputTokens);
        if (callOptions.onToken || body.max_tokens > maxNonStreamingTokens) {
          const stream = await client.messages.create({ ...body, stream: true }, requestOptions);
          return refusalAsFailure(await collectAnthropicStream(stream, context, callOptions.onToken ?? (() => {}), callOptions.signal), context);
        }
        const message = checkedAnswer(await client.messages.create(body, requestOptions), messageShape, 'a Messages answer', context);
        return refusalAsFailure(fromAnthropicMessage(message, id), context);
      } catch (error) {
        throw mapAnthropicError(error, context);
      }
    },
    estimateTokens: estimateAnthropicTokens,
  };
}
