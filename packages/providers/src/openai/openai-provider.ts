import type { ModelProvider } from '@ratchet/core';
import OpenAI from 'openai';
import { resolveApiKey } from '../resolve-api-key.ts';
import { openaiChatProvider } from './openai-chat-provider.ts';

export interface OpenAIProviderOptions {
  /** The prefix in model ids (`openai` in `openai:gpt-4o-mini`); default `openai`. */
  id?: string;
  /** Default: the `OPENAI_API_KEY` environment variable. */
  apiKey?: string;
  /** Default: `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Default: `OPENAI_ORG_ID`. */
  organization?: string;
  /** Per HTTP request; default the SDK's 10 minutes. */
  timeoutMs?: number;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

/**
 * OpenAI's Chat Completions through the official `openai` client.
 *
 * Throws `MissingApiKeyError` at once when there is no key. Every call failure is a `ProviderError`
 * whose `errorClass` drives Ratchet's retry and routing; the SDK itself never retries.
 *
 * @example
 * const worker = await createWorker(driver, { agents, implementations, providers: [openai()] }); // reads OPENAI_API_KEY
 */
export function openai(options: OpenAIProviderOptions = {}): ModelProvider {
  const id = options.id ?? 'openai';
  const apiKey = resolveApiKey(id, options.apiKey, 'OPENAI_API_KEY');
  const client = new OpenAI({
    apiKey,
    // An admin key in the environment would otherwise be sent alongside the API key.
    adminAPIKey: null,
    baseURL: options.baseURL,
    organization: options.organization,
    timeout: options.timeoutMs,
    defaultHeaders: options.headers,
    maxRetries: 0,
  });
  return openaiChatProvider({ id, client, maxTokensField: 'max_completion_tokens', secrets: [apiKey] });
}
