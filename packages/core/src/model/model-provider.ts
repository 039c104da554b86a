import type { Completion, ModelRequest } from './completion.ts';

/**
 * The provider specification: what `@ratchet/providers` implements over the official SDKs. Workers
 * hold providers; agents only name models (`openai:gpt-4o-mini`), so no SDK enters a workflow bundle.
 *
 * `doComplete` is not meant to be called by users: `ctx.llm.complete` journals it. It must throw a
 * `ProviderError` with the right `errorClass` for every failure, since routing and retry read it.
 */
export interface ModelProvider {
  readonly specificationVersion: 'ratchet.provider.v1';
  /** The prefix in a model id: `openai` in `openai:gpt-4o-mini`. */
  readonly id: string;
  doComplete(request: ModelRequest, options: ModelCallOptions): Promise<Completion>;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Called with each text delta while the answer streams; the journal keeps only the whole answer. */
  onToken?: (delta: string) => void;
  /** Sent as the provider's idempotency header where it has one: `{runId}:{stepId}`. */
  idempotencyKey?: string;
}
