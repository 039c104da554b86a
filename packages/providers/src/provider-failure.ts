import { ProviderError, type Completion, type ProviderErrorClass } from '@ratchet/core';
import { parseRetryAfter } from './parse-retry-after.ts';
import { redactSecrets } from './redact-secrets.ts';

/** Who was called, and which secrets must not appear in what is reported. */
export interface CallContext {
  provider: string;
  model: string;
  secrets: readonly string[];
}

/**
 * The `ProviderError` for a classified failure. The SDK error is deliberately not attached as
 * `cause`: its message, body and nested causes are outside our control and could carry a key, so
 * what matters is copied into the redacted message instead.
 */
export function providerFailure(
  errorClass: ProviderErrorClass,
  detail: string,
  context: CallContext,
  response: { status?: number | undefined; headers?: Headers | undefined } = {},
): ProviderError {
  const retryAfterMs = parseRetryAfter(response.headers);
  return new ProviderError(
    errorClass,
    redactSecrets(`${context.provider}:${context.model} failed (${errorClass}): ${detail}`, context.secrets),
    {
      provider: context.provider,
      model: context.model,
      ...(response.status === undefined ? {} : { status: response.status }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );
}

/** The messages and codes along an error's `cause` chain: what makes "Connection error." useful. */
export function describeCauses(error: unknown): string {
  const parts: string[] = [];
  for (let cause = (error as { cause?: unknown })?.cause; cause && parts.length < 4; cause = (cause as { cause?: unknown }).cause) {
    const { message, code } = cause as { message?: unknown; code?: unknown };
    parts.push([typeof code === 'string' ? code : '', typeof message === 'string' ? message : ''].filter(Boolean).join(' '));
  }
  return parts.filter(Boolean).join(' <- ');
}

/** A stream that ended without the model's final event: never journal half an answer as whole. */
export function incompleteStream(context: CallContext): ProviderError {
  return providerFailure('unknown', 'the answer stream ended before the model finished', context);
}

/**
 * The answer, unless it is a refusal: a model declining on policy grounds answers with a 200
 * (Anthropic's `stop_reason: "refusal"`, OpenAI's `refusal` or `content_filter` finish), and that
 * is a `content-policy` failure like OpenAI's 400, so the route's `onContentPolicy` decides.
 */
export function refusalAsFailure(completion: Completion, context: CallContext): Completion {
  if (completion.finishReason !== 'content-filter') return completion;
  const { provider, model } = context;
  throw new ProviderError('content-policy', `${provider}:${model} refused the request (content policy)`, { provider, model });
}
