/** An effect the world service applied: counted once per idempotency key. */
export interface AppliedEffect {
  /** Assigned by the world service (`eff_1`, `eff_2`, ...); never reused, not even after `reset()`. */
  id: string;
  type: string;
  payload: unknown;
  idempotencyKey: string;
  /** Epoch milliseconds when it was applied. */
  at: number;
}

/**
 * One `POST /effects` as received, whether it applied, was answered from the idempotency record,
 * failed by injection (`failNext`) or was rejected as malformed. Retries show up here, not in effects.
 */
export interface EffectAttempt {
  /** `null` when the request carried no `Idempotency-Key`. */
  idempotencyKey: string | null;
  /** `null` when the body had no valid `type`. */
  type: string | null;
  /** True when answered with the effect recorded earlier under the same key. */
  duplicate: boolean;
  /** The HTTP status the world service answered with. */
  status: number;
  /** Epoch milliseconds when it was received. */
  at: number;
}

/** The JSON body of a successful `POST /effects` answer (201 applied, 200 duplicate). */
export interface EffectReceipt {
  id: string;
  type: string;
  duplicate: boolean;
}
