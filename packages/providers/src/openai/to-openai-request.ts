import type { ModelRequest } from '@ratchet/core';
import type OpenAI from 'openai';

/** Which field carries the output limit: OpenAI's current one, or the older one most compatible servers know. */
export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

/** A core request as a Chat Completions body. Tool calls keep their raw argument text. */
export function toOpenAIRequest(
  request: ModelRequest,
  maxTokensField: MaxTokensField,
): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const messages = request.messages.map((message): OpenAI.ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        };
      case 'tool':
        // Chat Completions has no error flag for tool results; the content says what failed.
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
  return {
    model: request.model,
    messages,
    ...(request.tools?.length
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
          })),
        }
      : {}),
    ...(request.maxOutputTokens === undefined ? {} : { [maxTokensField]: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
  };
}
