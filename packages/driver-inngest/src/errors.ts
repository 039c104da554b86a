import { NonRetriableError, RetryAfterError } from 'inngest';
import type { SerializedError } from '@ratchet/core';

/**
 * The one mapping from a Ratchet error to Inngest's failure forms. A retryable error becomes a
 * `RetryAfterError` carrying the delay Ratchet's retry policy chose (the server schedules the next
 * attempt then, instead of its own backoff); anything else becomes a `NonRetriableError`, which the
 * server never retries. The serialized Ratchet error travels as the cause, so nothing is guessed
 * from a message.
 */
export function toInngestError(serialized: SerializedError, retryDelayMs?: number): Error {
  if (serialized.retryable && retryDelayMs !== undefined) {
    return new RetryAfterError(serialized.message, Math.max(1, Math.ceil(retryDelayMs)), { cause: serialized });
  }
  return new NonRetriableError(serialized.message, { cause: serialized });
}
