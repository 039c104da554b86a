import { ProviderError, type Completion, type ProviderErrorClass } from '@ratchet/core';
import type { z } from 'zod';
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

/**
 * The answer (or one streamed event), checked against the fields the provider reads before it reads
 * them. One that is not what the API sends (a gateway's own JSON, a proxy's page served as the
 * answer, a half-written event) is an `unknown` failure, retryable as the next answer may be whole,
 * naming the first field that is wrong; never a TypeError from deep inside.
 */
export function checkedAnswer<T>(answer: T, shape: z.ZodType, what: string, context: CallContext): T {
  const result = shape.safeParse(answer);
  if (result.success) return answer;
  throw providerFailure('unknown', `the answer is not ${what}: ${describeIssue(result.error.issues[0]!)}`, context);
}

/** Where and what: inside a union of types, the issue from the branch whose `type` matched. */
function describeIssue(issue: z.core.$ZodIssue, parent: PropertyKey[] = []): string {
  const path = [...parent, ...issue.path];
  if (issue.code === 'invalid_union') {
    const matched = issue.errors.find((issues) => issues.length > 0 && !issues.some((inner) => inner.path.at(-1) === 'type'));
    if (matched) return describeIssue(matched[0]!, path);
  }
  return `${path.map(String).join('.') || '(root)'}: ${issue.message}`;
}

/**
 * A failure outside the SDK's own error classes, which is the answer's: a body that is not JSON
 * (the SDK's `JSON.parse` throws a SyntaxError) or a connection that closed while it was read
 * (fetch's TypeError, its cause saying why). `unknown`, so retried: the next answer may be whole.
 */
export function unreadableAnswer(error: unknown, context: CallContext): ProviderError {
  if (error instanceof SyntaxError) return providerFailure('unknown', `the answer is not JSON (${error.message})`, context);
  const detail = error instanceof Error ? error.message : String(error);
  return providerFailure('unknown', [detail, describeCauses(error)].filter(Boolean).join(' <- '), context);
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
