export { openai, type OpenAIProviderOptions } from './openai/openai-provider.ts';
export { openaiCompatible, type OpenAICompatibleProviderOptions } from './openai/openai-compatible-provider.ts';
export { anthropic, type AnthropicProviderOptions } from './anthropic/anthropic-provider.ts';
export { redactSecrets } from './redact-secrets.ts';
