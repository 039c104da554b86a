let counter = 0;

/**
 * A run id unique in this bench run and across bench runs on a reused engine (Temporal never reuses a
 * workflow id). No `:` in it: the model server's `Idempotency-Key` is `{runId}:{step}`.
 */
export function newRunId(figure: string, side: string): string {
  counter += 1;
  return `${figure}-${side}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** The run id in an `Idempotency-Key` header (`{runId}:{stepId}` from Ratchet, `{runId}:{n}` from the bare sides). */
export function runIdOfKey(key: string): string {
  return key.slice(0, key.indexOf(':'));
}
