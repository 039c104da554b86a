// Runs on both sides (workflow sandbox and worker): no Node built-ins.
import { PayloadTooLargeError, jsonByteLength } from '@ratchet/core';

/** Temporal refuses a payload over 2 MB (`limit.blobSize.error`); the run's workflow task would fail. */
export const maxPayloadBytes = 2 * 1024 * 1024;

/**
 * Throws a `PayloadTooLargeError` (not retryable) naming the step and the limit when
 * `value` (JSON) is larger than Temporal accepts, instead of letting the server fail the workflow
 * task over and over. Deterministic: the same value always gives the same answer on replay.
 */
export function assertPayloadSize(what: 'input' | 'output', stepId: string, value: unknown): void {
  assertFits(value, `The ${what} of step "${stepId}"`, stepId);
}

/**
 * The same check for a run's workflow input (its input, options and a seeded journal), before the
 * run is started: Temporal would refuse the start, or a continue-as-new of the run later.
 */
export function assertRunStartSize(runId: string, args: unknown): void {
  assertFits(args, `The start of run "${runId}" (its input, options and seeded journal)`);
}

function assertFits(value: unknown, what: string, stepId?: string): void {
  const bytes = jsonByteLength(value);
  if (bytes <= maxPayloadBytes) return;
  throw new PayloadTooLargeError({ what, bytes, limitBytes: maxPayloadBytes, engine: 'Temporal', hint: "configure the driver's `offload` (a payload store for large payloads), or keep large data elsewhere and pass a reference", ...(stepId === undefined ? {} : { stepId }) });
}
