import { decideAttempt, type RetryPolicy } from '@ratchet/core';
import { ApplicationFailure } from '@temporalio/common';

/**
 * The one mapping from an error thrown by an effect to Temporal's failure: a Ratchet error that is
 * not retryable becomes a non-retryable `ApplicationFailure` (Temporal journals it once and the
 * workflow throws it into the agent); anything retryable stays retryable, with `nextRetryDelay`
 * honouring a provider's `retryAfterMs`. The serialized error rides along as the failure's only
 * detail, so the workflow and the journal rebuild the same Ratchet error class.
 */
export function toTemporalFailure(error: unknown, policy: RetryPolicy, attempt: number): ApplicationFailure {
  const decision = decideAttempt(error, attempt, policy);
  const serialized = decision.error;
  return ApplicationFailure.create({
    type: serialized.name,
    message: serialized.message,
    // A dead-letter stays retryable: the activity's attempts are spent, and the workflow parks the run.
    nonRetryable: decision.action === 'fail',
    details: [serialized],
    // Temporal's own backoff follows the same policy; only a retry-after needs saying.
    ...(decision.action === 'retry' && serialized.retryAfterMs !== undefined ? { nextRetryDelay: decision.delayMs } : {}),
    ...(error instanceof Error ? { cause: error } : {}),
  });
}
