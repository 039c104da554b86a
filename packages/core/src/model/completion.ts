/**
 * The one completion shape every provider answers in. It is plain JSON on purpose: a completion is
 * journaled as it is and read back on replay, on any engine.
 */
export type Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string; isError?: boolean };

/** A tool call as the model sent it; `arguments` is the raw JSON text, validated before anything runs. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A tool offered to the model: JSON Schema for its input (derived from the tool's zod schema). */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** What a provider is asked: one model, already chosen. */
export interface ModelRequest {
  /** The provider's own model name, for example `gpt-4o-mini` or `claude-sonnet-4-5`. */
  model: string;
  messages: Message[];
  tools?: ToolSpec[];
  maxOutputTokens?: number;
  temperature?: number;
}

/** One try of one model on a route, as journaled. */
export interface RouteAttempt {
  model: string;
  outcome: 'answered' | 'failed' | 'skipped';
  /** For `failed`: the provider error class. */
  errorClass?: string;
  /** For `skipped`: why the model was not called. */
  reason?: 'context-window' | 'budget' | 'cooldown' | 'no-provider';
  latencyMs: number;
}

export interface Completion {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The provider id that answered (`openai`, `anthropic`, or a custom id). */
  provider: string;
  /** The model that answered, as the provider reported it. */
  model: string;
  /** Set by Ratchet: every model tried for this completion, in order. */
  routeAttempts?: RouteAttempt[];
  /** Set by Ratchet from the model price table, when the model's prices are known. */
  costUsd?: number;
  /** Set by Ratchet when the completion rendered a versioned prompt. */
  prompt?: { name: string; version: string };
}
