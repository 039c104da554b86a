import { isProviderError, type ProviderError, type ProviderErrorClass } from '@ratchet/core';
import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { describeCauses, providerFailure, unreadableAnswer, type CallContext } from '../provider-failure.ts';

/**
 * The one place an Anthropic SDK failure becomes a classified `ProviderError`. It decides from the
 * SDK's error class, the HTTP status and the API's error `type`. A too-long prompt has no code of
 * its own: it is the 400 whose message starts "prompt is too long", as Anthropic documents it.
 */
export function mapAnthropicError(error: unknown, context: CallContext): ProviderError {
  if (isProviderError(error)) return error;
  // A caller's abort (a deadline, a worker shutting down) means no answer in the time allowed.
  if (error instanceof APIUserAbortError) return providerFailure('timeout', 'the call was aborted', context);
  if (error instanceof APIConnectionTimeoutError) return providerFailure('timeout', error.message, context);
  if (error instanceof APIConnectionError) {
    return providerFailure('overloaded', `unreachable: ${[error.message, describeCauses(error)].filter(Boolean).join(' ')}`, context);
  }
  if (error instanceof APIError) {
    const promptTooLong = error.apiMessage?.startsWith('prompt is too long') ?? false;
    const errorClass =
      error.status === undefined ? classifyType(error.type, promptTooLong) : classifyStatus(error.status, promptTooLong);
    const detail = error.apiMessage === null ? error.message : `${error.status ?? error.type ?? ''} ${error.apiMessage}`.trim();
    return providerFailure(errorClass, detail, context, { status: error.status, headers: error.headers });
  }
  // The SDK refused the request before sending it (for example a non-streaming call it deems too long).
  if (error instanceof AnthropicError) return providerFailure('bad-request', error.message, context);
  return unreadableAnswer(error, context);
}

function classifyStatus(status: number, promptTooLong: boolean): ProviderErrorClass {
  if (status === 400) return promptTooLong ? 'context-too-long' : 'bad-request';
  // 402 is `billing_error`: like a bad key, waiting never helps, another provider might.
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context-too-long';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'overloaded';
  return 'bad-request';
}

/** An `error` event inside a stream has no HTTP status, only the API's error `type`. */
function classifyType(type: APIError['type'], promptTooLong: boolean): ProviderErrorClass {
  switch (type) {
    case 'overloaded_error':
    case 'api_error':
      return 'overloaded';
    case 'rate_limit_error':
      return 'rate-limited';
    case 'timeout_error':
      return 'timeout';
    case 'authentication_error':
    case 'permission_error':
    case 'billing_error':
      return 'auth';
    case 'invalid_request_error':
      return promptTooLong ? 'context-too-long' : 'bad-request';
    default:
      return 'unknown';
  }
}
