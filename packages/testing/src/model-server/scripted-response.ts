/** Which wire format a request arrived in. */
export type ModelApi = 'openai' | 'anthropic';

/** Narrows which requests a scripted entry may answer; every given field must match. */
export interface RequestMatch {
  model?: string;
  api?: ModelApi;
}

/** Token counts to report instead of the deterministic estimate. */
export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What every scripted entry may add to its answer. */
export interface ScriptOptions {
  /** Only requests that match are served by this entry; others skip past it in the queue. */
  match?: RequestMatch;
  /** How many requests this entry serves before it leaves the queue (default 1; `Infinity` for always). */
  times?: number;
  /** Wait this long before answering, so a test can act while the call is in flight. */
  delayMs?: number;
}

/**
 * A plain text answer. `finishReason` is neutral and rendered per API: `stop` (`stop` / `end_turn`),
 * `length` (`length` / `max_tokens`), `content-filter` (`content_filter` / `refusal`).
 */
export interface TextReply extends ScriptOptions {
  text: string;
  usage?: ScriptedUsage;
  finishReason?: 'stop' | 'length' | 'content-filter';
}

export interface ScriptedToolCall {
  name: string;
  /** An object is sent as its JSON; a string is sent exactly as given, so it may be malformed JSON. */
  arguments: Record<string, unknown> | string;
  /** Defaults to an id derived from the request number and the call's position. */
  id?: string;
}

/** The model asks for tools (`finish_reason: "tool_calls"` / `stop_reason: "tool_use"`), optionally after some text. */
export interface ToolCallReply extends ScriptOptions {
  toolCalls: ScriptedToolCall[];
  text?: string;
  usage?: ScriptedUsage;
}

/**
 * A failure in each API's own status and error body, so the official SDKs raise their real error
 * classes. `message` replaces the default error text.
 *
 * - `rate-limit`: 429 with `retry-after` (seconds, default 1) and `retry-after-ms`.
 * - `server-error`: 500 (or `status`).
 * - `overloaded`: OpenAI 503, Anthropic 529 `overloaded_error`.
 * - `context-length`: 400, OpenAI `code: "context_length_exceeded"`, Anthropic "prompt is too long".
 * - `auth`: 401. `bad-request`: 400.
 * - `content-policy`: OpenAI 400 `code: "content_policy_violation"`; Anthropic answers 200 with
 *   `stop_reason: "refusal"`, as the real API does.
 * - `stall`: never answers; after `ms` (if given) the connection is dropped without a response.
 */
export type Fault = ScriptOptions &
  (
    | { fault: 'rate-limit'; retryAfterSeconds?: number; message?: string }
    | { fault: 'server-error'; status?: number; message?: string }
    | { fault: 'overloaded'; message?: string }
    | { fault: 'stall'; ms?: number }
    | { fault: 'context-length'; message?: string }
    | { fault: 'auth'; message?: string }
    | { fault: 'bad-request'; message?: string }
    | { fault: 'content-policy'; message?: string }
  );

/**
 * An answer written exactly as given, in whichever API the request came: for what a broken upstream
 * or a proxy sends instead of the API's own answer (an HTML error page, cut JSON, an event stream
 * cut mid-event or full of garbage). Nothing of the request is echoed.
 */
export interface RawReply extends ScriptOptions {
  raw: string;
  /** Default 200. */
  status?: number;
  /** Default `application/json`; `text/event-stream` for a stream. */
  contentType?: string;
  /** Drop the connection after the body instead of ending the response, as a server dying mid-answer. */
  hangUp?: boolean;
}

/** One scripted answer: text, tool calls, a fault, or raw bytes. */
export type ScriptedResponse = TextReply | ToolCallReply | Fault | RawReply;

/** A request as the server saw it. The API key is never kept: only whether one was sent. */
export interface RecordedRequest {
  /** 1-based arrival number since the server started or was last reset; ids in answers derive from it. */
  n: number;
  api: ModelApi;
  model: string;
  stream: boolean;
  /** The JSON body exactly as sent. */
  body: Record<string, unknown>;
  hasApiKey: boolean;
  /** Request headers (lower-case names) except the ones that carry credentials. */
  headers: Record<string, string>;
  /** The `Idempotency-Key` header, when one was sent. */
  idempotencyKey?: string;
  /** Arrival time, `Date.now()`. */
  at: number;
  /** The HTTP status answered; unset until the answer starts (and for stalls, which never answer). */
  status?: number;
}
