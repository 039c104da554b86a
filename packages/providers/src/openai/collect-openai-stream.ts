import type { Completion, ToolCall } from '@ratchet/core';
import { APIUserAbortError } from 'openai';
import type OpenAI from 'openai';
import { checkedAnswer, incompleteStream, type CallContext } from '../provider-failure.ts';
import { chatCompletionChunkShape } from './openai-answer-shape.ts';
import { fromOpenAIUsage, mapOpenAIFinishReason } from './from-openai-completion.ts';

/**
 * Assembles a streamed Chat Completion into the same `Completion` the non-streaming call gives,
 * calling `onToken` with each text delta. Tool-call arguments are concatenated raw, never parsed.
 */
export async function collectOpenAIStream(
  stream: AsyncIterable<OpenAI.ChatCompletionChunk>,
  context: CallContext,
  onToken: (delta: string) => void,
  signal: AbortSignal | undefined,
): Promise<Completion> {
  let text = '';
  let refusal = '';
  let model = '';
  let finishReason: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  const toolCalls: ToolCall[] = [];
  for await (const received of stream) {
    const chunk = checkedAnswer(received, chatCompletionChunkShape, 'a Chat Completion chunk', context);
    model ||= chunk.model;
    usage = chunk.usage ?? usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const { content, refusal: refusalDelta, tool_calls: toolCallDeltas } = choice.delta;
    if (content) {
      text += content;
      onToken(content);
    }
    if (refusalDelta) refusal += refusalDelta;
    for (const delta of toolCallDeltas ?? []) {
      const call = (toolCalls[delta.index] ??= { id: '', name: '', arguments: '' });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
    finishReason = choice.finish_reason ?? finishReason;
  }
  // The SDK ends the iteration quietly when the request is aborted; an abort is still a failure here.
  if (signal?.aborted) throw new APIUserAbortError();
  if (finishReason === null) throw incompleteStream(context);
  const refused = text === '' && refusal !== '';
  return {
    text: refused ? refusal : text,
    toolCalls: toolCalls.filter(Boolean),
    finishReason: mapOpenAIFinishReason(finishReason, refused),
    usage: fromOpenAIUsage(usage),
    provider: context.provider,
    model: model || context.model,
  };
}
