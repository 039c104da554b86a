import type { ModelRequest } from '@ratchet/core';
import type Anthropic from '@anthropic-ai/sdk';

/**
 * A core request as a Messages body. System messages go to `system`; tool results become user
 * `tool_result` blocks, merged into one user turn as the API requires; assistant tool calls become
 * `tool_use` blocks. `temperature` is not sent: SDK 1.x (API version 2026-10-21) no longer has it.
 */
export function toAnthropicRequest(
  request: ModelRequest,
  defaultMaxOutputTokens: number,
): Anthropic.MessageCreateParamsNonStreaming {
  const system: Anthropic.TextBlockParam[] = [];
  const messages: Anthropic.MessageParam[] = [];
  const pushUserBlocks = (blocks: Anthropic.ContentBlockParam[]) => {
    const last = messages.at(-1);
    if (last?.role === 'user' && Array.isArray(last.content)) last.content.push(...blocks);
    else messages.push({ role: 'user', content: blocks });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        system.push({ type: 'text', text: message.content });
        break;
      case 'user':
        pushUserBlocks([{ type: 'text', text: message.content }]);
        break;
      case 'tool':
        pushUserBlocks([
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
          },
        ]);
        break;
      case 'assistant':
        messages.push({
          role: 'assistant',
          content: message.toolCalls?.length
            ? [
                ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
                ...message.toolCalls.map((call) => ({
                  type: 'tool_use' as const,
                  id: call.id,
                  name: call.name,
                  input: toolInput(call.arguments),
                })),
              ]
            : message.content,
        });
        break;
    }
  }
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? defaultMaxOutputTokens,
    messages,
    ...(system.length > 0 ? { system } : {}),
    ...(request.tools?.length
      ? {
          tools: request.tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
          })),
        }
      : {}),
  };
}

/**
 * `tool_use.input` must be an object. Arguments the model sent malformed were already rejected as
 * a tool-input error, so `{}` only has to keep the transcript valid.
 */
function toolInput(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
