// Runs on both sides (workflow sandbox and worker): no Node built-ins.
import { RatchetError } from '@ratchet/core';

/** Temporal refuses a payload over 2 MB (`limit.blobSize.error`); the run's workflow task would fail. */
export const maxPayloadBytes = 2 * 1024 * 1024;

/**
 * Throws a non-retryable `payload-too-large` Ratchet error naming the step and the limit when
 * `value` (JSON) is larger than Temporal accepts, instead of letting the server fail the workflow
 * task over and over. Deterministic: the same value always gives the same answer on replay.
 */
export function assertPayloadSize(what: 'input' | 'output', stepId: string, value: unknown): void {
  assertFits(value, (bytes) => `The ${what} of step "${stepId}" is ${bytes} bytes`, { stepId, what });
}

/**
 * The same check for a run's workflow input (its input, options and a seeded journal), before the
 * run is started: Temporal would refuse the start, or a continue-as-new of the run later.
 */
export function assertRunStartSize(runId: string, args: unknown): void {
  assertFits(args, (bytes) => `The start of run "${runId}" (its input, options and seeded journal) is ${bytes} bytes`, { runId, what: 'start' });
}

function assertFits(value: unknown, described: (bytes: number) => string, data: Record<string, unknown>): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? '').length;
  if (bytes <= maxPayloadBytes) return;
  throw new RatchetError(
    'payload-too-large',
    `${described(bytes)}, over Temporal's payload limit of ${maxPayloadBytes} bytes (2 MB): store large data elsewhere and pass a reference`,
    { data: { ...data, bytes, limit: maxPayloadBytes } },
  );
}
