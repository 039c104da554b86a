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
      hint: "raise the driver's maxPayloadBytes (never past the server's message-size-limit), or store large data outside the journal and pass a reference",
    });
  }
}
