import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ModelRequest } from '../model/completion.ts';

/**
 * Estimates the prompt tokens of a request before it is sent, to refuse what cannot fit a window or
 * a budget. OpenAI and OpenAI-compatible models: the o200k_base tokenizer (gpt-tokenizer) over every
 * message and tool schema, plus 3 tokens of framing per message. Anthropic publishes no tokenizer:
 * one token per 3.5 characters, rounded up, which over-counts English slightly (safe for budgets).
 */
export function estimatePromptTokens(provider: string, request: ModelRequest): number {
  const texts = request.messages.map((message) =>
    message.role === 'assistant' && message.toolCalls?.length ? message.content + JSON.stringify(message.toolCalls) : message.content,
  );
  if (request.tools?.length) texts.push(JSON.stringify(request.tools));
  if (provider === 'anthropic') return Math.ceil(texts.join('\n').length / 3.5) + 4 * texts.length;
  return texts.reduce((sum, text) => sum + countTokens(text) + 3, 3);
}
