import { PayloadTooLargeError, jsonByteLength } from '@ratchet/core';

/** Throws `PayloadTooLargeError` when `value`, as the JSON Restate journals, exceeds `limitBytes`. */
export function assertWithinLimit(value: unknown, what: string, limitBytes: number): void {
  const bytes = jsonByteLength(value);
  if (bytes > limitBytes) {
    throw new PayloadTooLargeError({
      what,
      bytes,
      limitBytes,
      engine: 'Restate',
      hint: "configure the driver's `offload` (a payload store for large payloads), or raise its maxPayloadBytes (never past the server's message-size-limit)",
    });
  }
}
