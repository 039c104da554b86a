import { NonRetriableError, RetryAfterError } from 'inngest';
import { RatchetError, registerErrorKind, serializeError } from '@ratchet/core';

/**
 * The one mapping from a Ratchet error to Inngest's failure forms. A retryable error becomes a
 * `RetryAfterError` carrying the delay Ratchet's retry policy chose (the server schedules the next
 * attempt then, instead of its own backoff); anything else becomes a `NonRetriableError`, which the
 * server never retries. The serialized Ratchet error travels as the cause, so nothing is guessed
 * from a message.
 */
export function toInngestError(error: unknown, retryDelayMs?: number): Error {
  const serialized = serializeError(error);
  if (serialized.retryable && retryDelayMs !== undefined) {
    return new RetryAfterError(serialized.message, Math.max(1, Math.ceil(retryDelayMs)), { cause: serialized });
  }
  return new NonRetriableError(serialized.message, { cause: serialized });
}

/**
 * A value or a run is larger than the Inngest server accepts. Raised by the driver before the
 * server would fail the run on its own, naming the step (or, for a start, the run) and the limit.
 * Not retryable: the same step would produce the same value again.
 */
export class EngineLimitError extends RatchetError {
  readonly limit: EngineLimit;
  /** The step that passed the limit; absent for a start event that was too large (nothing started). */
  readonly stepId: string | undefined;
  constructor(limit: EngineLimit, details: { stepId?: string; runId?: string; limit: number; actual: number }) {
    const unit = limit === 'step count' ? 'steps' : 'bytes';
    const what = details.stepId !== undefined ? `Step "${details.stepId}"` : `The start event of run "${details.runId}"`;
    super(
      'engine-limit',
      `${what} exceeds Inngest's ${limit} limit: ${details.actual} ${unit} > ${details.limit} ${unit}. ` +
        (limit === 'step count'
          ? 'Split the work into several runs or raise the server limit and the driver option maxSteps together.'
          : limit === 'event size'
            ? 'The run was not started. Its input and seeded journal travel in that event: keep large payloads outside them (store them and pass a reference), or raise maxEventBytes where the server accepts more.'
            : 'Keep large payloads outside the journal (store them and journal a reference).'),
      { data: { limit, ...(details.stepId !== undefined ? { stepId: details.stepId } : { runId: details.runId }), max: details.limit, actual: details.actual } },
    );
    this.name = 'EngineLimitError';
    this.limit = limit;
    this.stepId = details.stepId;
  }
}

export type EngineLimit = 'step output size' | 'run state size' | 'step count' | 'event size';

// Read back from a journal or a run's end, the error is an EngineLimitError again (where this package is loaded).
registerErrorKind('engine-limit', (s) => {
  const data = s.data ?? {};
  const where = typeof data.stepId === 'string' ? { stepId: data.stepId } : { runId: String(data.runId) };
  return new EngineLimitError(data.limit as EngineLimit, { ...where, limit: Number(data.max), actual: Number(data.actual) });
});
