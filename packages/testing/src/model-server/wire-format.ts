import type { Answer, PromptFacts } from './answer.ts';
import type { Fault, ModelApi } from './scripted-response.ts';

/** The facts the server needs from a request body. */
export interface WireRequest extends PromptFacts {
  stream: boolean;
  /** OpenAI's `stream_options.include_usage`; Anthropic always streams usage. */
  includeUsage: boolean;
}

export interface AnswerContext {
  /** The request number; response and tool-call ids derive from it, so answers are deterministic. */
  n: number;
  request: WireRequest;
}

export interface FaultContext extends AnswerContext {
  /** The caller's key masked as the real APIs echo it (first and last characters only). */
  maskedKey: string;
}

export type FaultOutcome =
  | { kind: 'error'; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'answer'; answer: Answer };

/**
 * One API's wire format. Both implementations have the same members, so the server is written once
 * and each file reads as "how this API says it".
 */
export interface WireFormat {
  readonly api: ModelApi;
  /** The POST path the official SDK calls, relative to the server root. */
  readonly path: string;
  /** The header in which this API returns its request id. */
  readonly requestIdHeader: string;
  /** The request's facts, or why the body is not a valid request. */
  readRequest(body: Record<string, unknown>): WireRequest | { invalid: string };
  renderJson(answer: Answer, context: AnswerContext): unknown;
  /** Server-sent event frames, each already terminated by a blank line. */
  renderEvents(answer: Answer, context: AnswerContext): string[];
  renderFault(fault: Exclude<Fault, { fault: 'stall' }>, context: FaultContext): FaultOutcome;
}

/** Splits text after each run of whitespace, so a streamed answer arrives in several deltas. */
export function textChunks(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}

/** Splits tool-call argument text into fixed-size pieces, as the APIs stream partial JSON. */
export function argumentChunks(raw: string, size = 12): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < raw.length; at += size) chunks.push(raw.slice(at, at + size));
  return chunks;
}

/** Concatenated text of a message `content` given as a string or as blocks with `text` (or nested `content`). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (typeof block !== 'object' || block === null) return '';
      const { text, content: nested } = block as { text?: unknown; content?: unknown };
      return typeof text === 'string' ? text : contentText(nested);
    })
    .join('');
}

/** Both APIs send `retry-after` in seconds; the SDKs also read the non-standard `retry-after-ms`. */
export function retryAfterHeaders(seconds: number): Record<string, string> {
  return { 'retry-after': String(seconds), 'retry-after-ms': String(Math.round(seconds * 1000)) };
}
