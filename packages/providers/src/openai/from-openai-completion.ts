import type { Completion, FinishReason, ToolCall } from '@ratchet/core';
import type OpenAI from 'openai';

/** A Chat Completions answer as a core `Completion`; only the first choice is read (we never ask for more). */
export function fromOpenAICompletion(completion: OpenAI.ChatCompletion, provider: string): Completion {
  const choice = completion.choices[0];
  const message = choice?.message;
  const toolCalls: ToolCall[] = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
  );
  return {
    text: message?.content ?? message?.refusal ?? '',
    toolCalls,
    finishReason: mapOpenAIFinishReason(choice?.finish_reason ?? null, message?.content == null && message?.refusal != null),
    usage: fromOpenAIUsage(completion.usage),
    provider,
    model: completion.model,
  };
}

/** A refusal (`message.refusal` with no content) is the model declining on policy grounds. */
export function mapOpenAIFinishReason(reason: string | null, refused: boolean): FinishReason {
  if (refused) return 'content-filter';
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Compatible servers may omit usage; zeros then, rather than a guess. */
export function fromOpenAIUsage(usage: OpenAI.CompletionUsage | null | undefined): Completion['usage'] {
  const inputTokens = usage?.prompt_tokens ?? 0;
  const outputTokens = usage?.completion_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage?.total_tokens ?? inputTokens + outputTokens };
}
