import type { Completion, FinishReason } from '@ratchet/core';
import type Anthropic from '@anthropic-ai/sdk';

/** A Messages answer as a core `Completion`; `tool_use` inputs become their JSON text. */
export function fromAnthropicMessage(message: Anthropic.Message, provider: string): Completion {
  const inputTokens = anthropicInputTokens(message.usage);
  return {
    text: message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(''),
    toolCalls: message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: toolArguments(block.input) }] : [],
    ),
    finishReason: mapAnthropicStopReason(message.stop_reason),
    usage: { inputTokens, outputTokens: message.usage.output_tokens, totalTokens: inputTokens + message.usage.output_tokens },
    provider,
    model: message.model,
  };
}

/**
 * The API always sends an object; a string is passed through as it is rather than re-encoded, so
 * a malformed input stays visibly malformed for tool-input validation.
 */
function toolArguments(input: unknown): string {
  return typeof input === 'string' ? input : JSON.stringify(input ?? {});
}

export function mapAnthropicStopReason(reason: Anthropic.StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * All prompt tokens, cached or not, as OpenAI's `prompt_tokens` counts them, so budgets read the
 * same across providers.
 */
export function anthropicInputTokens(usage: {
  input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}): number {
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}
