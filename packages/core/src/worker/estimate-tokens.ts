import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ModelRequest } from '../model/completion.ts';
import { promptTexts } from '../model/prompt-texts.ts';

/**
 * Estimates the prompt tokens of a request with the o200k_base tokenizer (gpt-tokenizer) over every
 * message and tool schema, plus 3 tokens of framing per message: OpenAI's count, and the one the
 * worker uses for a provider that has no `estimateTokens` of its own (most hand-written providers
 * speak to OpenAI-compatible servers).
 */
export function estimatePromptTokens(request: Pick<ModelRequest, 'messages' | 'tools'>): number {
  return promptTexts(request).reduce((sum, text) => sum + countTokens(text) + 3, 3);
}
