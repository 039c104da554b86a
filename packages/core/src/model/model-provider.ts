import type { Completion, ModelRequest } from './completion.ts';

/**
 * The provider specification: what `@ratchet/providers` implements over the official SDKs. Workers
 * hold providers; agents only name models (`openai:gpt-4o-mini`), so no SDK enters a workflow bundle.
 *
 * `doComplete` is not meant to be called by users: `ctx.llm.complete` journals it. It must throw a
 * `ProviderError` with the right `errorClass` for every failure, since routing and retry read it. A
 * refusal is a failure too, however the API reports it (Anthropic answers one with a 200 and
 * `stop_reason: "refusal"`): throw `content-policy` rather than answer with `finishReason:
 * 'content-filter'`, so the route's `onContentPolicy` applies.
 */
export interface ModelProvider {
  readonly specificationVersion: 'ratchet.provider.v1';
  /** The prefix in a model id: `openai` in `openai:gpt-4o-mini`. */
  readonly id: string;
  doComplete(request: ModelRequest, options: ModelCallOptions): Promise<Completion>;
  /**
   * About how many prompt tokens `request` is, before anything is sent: what the worker checks
   * against the model's context window and the run's budget. Err on the high side. Without it the
   * worker counts with OpenAI's o200k_base tokenizer (`estimatePromptTokens`).
   */
  estimateTokens?(request: ModelRequest): number;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Called with each text delta while the answer streams; the journal keeps only the whole answer. */
  onToken?: (delta: string) => void;
  /** Sent as the provider's idempotency header where it has one: `{runId}:{stepId}`. */
  idempotencyKey?: string;
}
