import { promptTexts, type ModelRequest } from '@ratchet/core';

/**
 * Anthropic publishes no tokenizer: one token per 3.5 characters, rounded up, plus 4 per message,
 * which over-counts English slightly (safe for windows and budgets).
 */
export function estimateAnthropicTokens(request: ModelRequest): number {
  const texts = promptTexts(request);
  return Math.ceil(texts.join('\n').length / 3.5) + 4 * texts.length;
}
