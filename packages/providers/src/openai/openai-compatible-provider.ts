import type { ModelProvider } from '@ratchet/core';
import OpenAI from 'openai';
import { resolveApiKey } from '../resolve-api-key.ts';
import { openaiChatProvider } from './openai-chat-provider.ts';

export interface OpenAICompatibleProviderOptions {
  /** The prefix in model ids, for example `ollama` in `ollama:llama3.2`. */
  id: string;
  /** The server's OpenAI-style root, for example `http://localhost:11434/v1`. */
  baseURL: string;
  apiKey?: string;
  /** An environment variable to read the key from when `apiKey` is not given. */
  apiKeyVariable?: string;
}

/** The SDK requires some key; for a keyless server the Authorization header is removed below. */
const keylessPlaceholder = 'keyless';

/**
 * Any OpenAI-compatible Chat Completions endpoint (local models, gateways) through the official
 * `openai` client's `baseURL`. With neither `apiKey` nor `apiKeyVariable` the server is called
 * without a key; with `apiKeyVariable` set but empty, `MissingApiKeyError` is thrown at once.
 * The output limit is sent as `max_tokens`, the field such servers understand.
 *
 * @example
 * openaiCompatible({ id: 'ollama', baseURL: 'http://localhost:11434/v1' });
 */
export function openaiCompatible(options: OpenAICompatibleProviderOptions): ModelProvider {
  const apiKey =
    options.apiKey ??
    (options.apiKeyVariable === undefined ? undefined : resolveApiKey(options.id, undefined, options.apiKeyVariable));
  const client = new OpenAI({
    apiKey: apiKey ?? keylessPlaceholder,
    // Never forward the user's OpenAI credentials, organization or project to a third party.
    adminAPIKey: null,
    organization: null,
    project: null,
    baseURL: options.baseURL,
    ...(apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
    maxRetries: 0,
  });
  return openaiChatProvider({
    id: options.id,
    client,
    maxTokensField: 'max_tokens',
    secrets: apiKey === undefined ? [] : [apiKey],
  });
}
