import type { EffectReceipt } from './effects.ts';

/** The world service answered a `POST /effects` with a non-2xx status. */
export class WorldRequestError extends Error {
  /** HTTP status of the answer, e.g. 500 from `failNext`. */
  readonly status: number;
  /** The answer's body as text, for diagnostics. */
  readonly body: string;

  constructor(status: number, body: string) {
    super(`World service answered ${status}: ${body}`);
    this.name = 'WorldRequestError';
    this.status = status;
    this.body = body;
  }
}

/**
 * Posts an effect to a world service, as an example tool implementation would. Sending the same
 * `idempotencyKey` again (a retry or a replay) is answered with the original effect and
 * `duplicate: true`. Throws `WorldRequestError` on a non-2xx answer, and the fetch error on a
 * network failure or abort.
 *
 * @example
 * await postEffect(worldUrl, { type: 'email.sent', payload: { to } }, `${runId}:${stepId}`);
 */
export async function postEffect(
  worldUrl: string,
  effect: { type: string; payload: unknown },
  idempotencyKey: string,
  init: { signal?: AbortSignal } = {},
): Promise<{ id: string; duplicate: boolean }> {
  const response = await fetch(`${worldUrl.replace(/\/+$/, '')}/effects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ type: effect.type, payload: effect.payload }),
    signal: init.signal ?? null,
  });
  const text = await response.text();
  if (!response.ok) throw new WorldRequestError(response.status, text);
  const receipt = JSON.parse(text) as EffectReceipt;
  return { id: receipt.id, duplicate: receipt.duplicate };
}
