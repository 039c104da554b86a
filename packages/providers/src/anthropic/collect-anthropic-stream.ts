import type { Completion } from '@ratchet/core';
import { APIUserAbortError } from '@anthropic-ai/sdk';
import type Anthropic from '@anthropic-ai/sdk';
import { checkedAnswer, incompleteStream, type CallContext } from '../provider-failure.ts';
import { messageStreamEventShape } from './anthropic-answer-shape.ts';
import { anthropicInputTokens, mapAnthropicStopReason } from './from-anthropic-message.ts';

/**
 * Assembles streamed Messages events into the same `Completion` the non-streaming call gives,
 * calling `onToken` with each text delta. `input_json_delta` pieces are concatenated raw, so
 * malformed tool input reaches validation exactly as the model sent it.
 */
export async function collectAnthropicStream(
  stream: AsyncIterable<Anthropic.RawMessageStreamEvent>,
  context: CallContext,
  onToken: (delta: string) => void,
  signal: AbortSignal | undefined,
): Promise<Completion> {
  let text = '';
  let model = context.model;
  let stopReason: Anthropic.StopReason | null = null;
  // The prompt's counters as message_start gave them, each overwritten by a message_delta that
  // carries it: the delta's counters are cumulative and left out where they do not apply (the SDK's
  // MessageStream accumulates them the same way), so an absent one keeps the start's count.
  const prompt: Parameters<typeof anthropicInputTokens>[0] = { input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null };
  const counted = (usage: { [K in keyof typeof prompt]?: number | null }) => {
    for (const key of ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const value = usage[key];
      if (value !== null && value !== undefined) prompt[key] = value;
    }
  };
  let outputTokens = 0;
  let stopped = false;
  const toolCalls = new Map<number, { id: string; name: string; arguments: string; startInput: unknown }>();
  for await (const received of stream) {
    const event = checkedAnswer(received, messageStreamEventShape, 'a Messages stream event', context);
    switch (event.type) {
      case 'message_start':
        model = event.message.model;
        counted(event.message.usage);
        outputTokens = event.message.usage.output_tokens;
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          const { id, name, input } = event.content_block;
          toolCalls.set(event.index, { id, name, arguments: '', startInput: input });
        }
        break;
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') {
          text += event.delta.text;
          onToken(event.delta.text);
        } else if (event.delta.type === 'input_json_delta') {
          const call = toolCalls.get(event.index);
          if (call) call.arguments += event.delta.partial_json;
        }
        break;
      case 'message_delta':
        stopReason = event.delta.stop_reason ?? stopReason;
        outputTokens = event.usage.output_tokens;
        counted(event.usage);
        break;
      case 'message_stop':
        stopped = true;
        break;
    }
  }
  const inputTokens = anthropicInputTokens(prompt);
  // The SDK ends the iteration quietly when the request is aborted; an abort is still a failure here.
  if (signal?.aborted) throw new APIUserAbortError();
  if (!stopped) throw incompleteStream(context);
  return {
    text,
    // A tool with no input streams no JSON at all; its start block then holds the whole (empty) input.
    toolCalls: [...toolCalls.values()].map(({ id, name, arguments: raw, startInput }) => ({
      id,
      name,
      arguments: raw === '' ? JSON.stringify(startInput ?? {}) : raw,
    })),
    finishReason: mapAnthropicStopReason(stopReason),
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    provider: context.provider,
    model,
  };
}
