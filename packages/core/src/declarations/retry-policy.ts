import { z } from 'zod';

/**
 * How a step, tool or completion is retried when it fails with a retryable error. When attempts run
 * out the run is dead-lettered (parked with its journal intact) rather than failed, so a redrive after
 * a fix resumes at that step. A crash of the worker during an attempt counts as an attempt, so a step
 * that kills its worker cannot crash-loop forever.
 */
export const retryPolicySchema = z.strictObject({
  maxAttempts: z.int().min(1).default(5),
  initialIntervalMs: z.number().min(0).default(1_000),
  backoffCoefficient: z.number().min(1).default(2),
  maxIntervalMs: z.number().min(0).default(60_000),
});

export type RetryPolicy = z.output<typeof retryPolicySchema>;
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

export const defaultRetryPolicy: RetryPolicy = retryPolicySchema.parse({});

/** Delay before attempt `attempt + 1`, never earlier than a provider's `retry-after`. */
export function retryDelayMs(
  policy: Pick<RetryPolicy, 'initialIntervalMs' | 'backoffCoefficient' | 'maxIntervalMs'>,
  attempt: number,
  retryAfterMs?: number,
): number {
  const backoff = Math.min(policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1), policy.maxIntervalMs);
  return Math.max(backoff, retryAfterMs ?? 0);
}

export function resolveRetryPolicy(...layers: (RetryPolicyInput | undefined)[]): RetryPolicy {
  return retryPolicySchema.parse(Object.assign({}, ...layers.filter(Boolean)));
}
