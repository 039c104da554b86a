import type { ModelRequest } from './completion.ts';

/**
 * The texts a request sends as its prompt, one per message (an assistant turn with its tool calls
 * as JSON) and one for all tool schemas: what a provider's `estimateTokens` counts.
 */
export function promptTexts(request: Pick<ModelRequest, 'messages' | 'tools'>): string[] {
  const texts = request.messages.map((message) =>
    message.role === 'assistant' && message.toolCalls?.length ? message.content + JSON.stringify(message.toolCalls) : message.content,
  );
  if (request.tools?.length) texts.push(JSON.stringify(request.tools));
  return texts;
}
