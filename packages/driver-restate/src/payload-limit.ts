import { RatchetError, registerErrorKind } from '@ratchet/core';

/**
 * A payload is bigger than the engine journals. Raised by Ratchet before Restate would fail with
 * its own message-size error, naming what was too big and the limit. Not retryable: the same
 * input gives the same size.
 */
export class PayloadTooLargeError extends RatchetError {
  readonly what: string;
  readonly bytes: number;
  readonly limitBytes: number;
  constructor(what: string, bytes: number, limitBytes: number) {
    super(
      'payload-too-large',
      `${what} is ${bytes} bytes, over the Restate driver's limit of ${limitBytes} bytes (maxPayloadBytes, which must stay within the server's message-size-limit)`,
      { data: { what, bytes, limitBytes } },
    );
    this.name = 'PayloadTooLargeError';
    this.what = what;
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }
}

registerErrorKind('payload-too-large', (s) => new PayloadTooLargeError(String(s.data?.what), Number(s.data?.bytes), Number(s.data?.limitBytes)));

/** Throws `PayloadTooLargeError` when `value`, as the JSON Restate journals, exceeds `limitBytes`. */
export function assertWithinLimit(value: unknown, what: string, limitBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
  if (bytes > limitBytes) throw new PayloadTooLargeError(what, bytes, limitBytes);
}
