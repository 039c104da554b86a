import { isProviderError, type ProviderError, type ProviderErrorClass } from '@ratchet/core';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import { describeCauses, providerFailure, unreadableAnswer, type CallContext } from '../provider-failure.ts';

/**
 * The one place an OpenAI SDK failure becomes a classified `ProviderError`. It decides from the
 * SDK's error class, the HTTP status and the API's `code`, nothing looser.
 */
export function mapOpenAIError(error: unknown, context: CallContext): ProviderError {
  if (isProviderError(error)) return error;
  // A caller's abort (a deadline, a worker shutting down) means no answer in the time allowed.
  if (error instanceof APIUserAbortError) return providerFailure('timeout', 'the call was aborted', context);
  if (error instanceof APIConnectionTimeoutError) return providerFailure('timeout', error.message, context);
  if (error instanceof APIConnectionError) {
    return providerFailure('overloaded', `unreachable: ${[error.message, describeCauses(error)].filter(Boolean).join(' ')}`, context);
  }
  if (error instanceof APIError) {
    const errorClass = error.status === undefined ? classifyStreamError(error) : classifyStatus(error.status, error.code);
    return providerFailure(errorClass, error.message, context, { status: error.status, headers: error.headers });
  }
  // The SDK refused the request before sending it (bad options): retrying cannot help.
  if (error instanceof OpenAIError) return providerFailure('bad-request', error.message, context);
  return unreadableAnswer(error, context);
}

function classifyStatus(status: number, code: string | null | undefined): ProviderErrorClass {
  if (status === 400) {
    if (code === 'context_length_exceeded') return 'context-too-long';
    // `content_filter` is what Azure OpenAI and some gateways send for the same refusal.
    if (code === 'content_policy_violation' || code === 'content_filter') return 'content-policy';
    return 'bad-request';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 413) return 'context-too-long';
  // An exhausted quota is a billing problem: waiting never helps, another provider might.
  if (status === 429) return code === 'insufficient_quota' ? 'auth' : 'rate-limited';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'overloaded';
  return 'bad-request';
}

/** An error event inside a stream has no HTTP status; the API's `code` and `type` still say what it was. */
function classifyStreamError({ code, type }: APIError): ProviderErrorClass {
  if (code === 'context_length_exceeded') return 'context-too-long';
  if (code === 'rate_limit_exceeded') return 'rate-limited';
  if (code === 'content_policy_violation' || code === 'content_filter') return 'content-policy';
  if (type === 'server_error') return 'overloaded';
  return 'unknown';
}
