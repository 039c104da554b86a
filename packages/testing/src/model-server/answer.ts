import type { TextReply, ToolCallReply } from './scripted-response.ts';

/** A successful answer before it is rendered in either API's wire format. */
export interface Answer {
  text: string;
  /** `arguments` is the raw text sent on the wire; `id` unset means "derive one from the request number". */
  toolCalls: { id?: string; name: string; arguments: string }[];
  finishReason: 'stop' | 'length' | 'tool-calls' | 'content-filter';
  usage: { inputTokens: number; outputTokens: number };
}

/** What the server reads from any request, whichever API it came in. */
export interface PromptFacts {
  model: string;
  /** Text of the last user turn (a user message or tool result), for the default answer. */
  lastUserText: string;
  /** Characters of every message and the system prompt, for the input-token estimate. */
  inputChars: number;
}

/** About four characters a token, never zero: deterministic, and close enough for budget tests. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** The scripted reply as an answer; usage is estimated unless the script gives it. */
export function answerFromReply(reply: TextReply | ToolCallReply, prompt: PromptFacts): Answer {
  const text = reply.text ?? '';
  const toolCalls =
    'toolCalls' in reply
      ? reply.toolCalls.map((call) => ({
          ...(call.id === undefined ? {} : { id: call.id }),
          name: call.name,
          arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
        }))
      : [];
  const outputChars = text.length + toolCalls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
  return {
    text,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool-calls' : 'finishReason' in reply ? (reply.finishReason ?? 'stop') : 'stop',
    usage: reply.usage ?? { inputTokens: estimateTokens(prompt.inputChars), outputTokens: estimateTokens(outputChars) },
  };
}

/**
 * The answer when nothing scripted matches: `"<model>: <start of the last user message>"`, so a demo
 * runs with no script and its output still shows which model answered what.
 */
export function defaultAnswer(prompt: PromptFacts): Answer {
  return answerFromReply({ text: `${prompt.model}: ${summarize(prompt.lastUserText)}` }, prompt);
}

const summaryLength = 60;

function summarize(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(no user message)';
  if (flat.length <= summaryLength) return flat;
  const cut = flat.slice(0, summaryLength);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > 0 ? cut.slice(0, lastSpace) : cut}…`;
}
