import { RatchetError, registerErrorKind } from './ratchet-error.ts';

/**
 * Why a sealed payload could not be opened: no codec is configured here, the codec does not hold
 * the key it names, or that key did not open it (another key under the same id, or altered bytes).
 */
export type PayloadKeyProblem = 'no-codec' | 'unknown-key' | 'not-opened';

/**
 * A sealed payload could not be opened, naming the key id it was sealed with. Nothing is lost: the
 * payload stays sealed in the journal, and a worker holding the key continues the run (a worker
 * without it leaves the run to the engine to hand to another, as after a crash).
 */
export class PayloadKeyError extends RatchetError {
  readonly problem: PayloadKeyProblem;
  readonly keyId: string;
  constructor(problem: PayloadKeyProblem, keyId: string, where: string, cause?: unknown) {
    super('payload-key', message(problem, keyId, where), { retryable: true, cause, data: { problem, keyId } });
    this.name = 'PayloadKeyError';
    this.problem = problem;
    this.keyId = keyId;
  }
}

/** By kind, not `instanceof`: core may be loaded twice (see `RatchetError`). */
export function isPayloadKeyError(error: unknown): error is PayloadKeyError {
  return RatchetError.isInstance(error) && error.kind === 'payload-key';
}

function message(problem: PayloadKeyProblem, keyId: string, where: string): string {
  if (problem === 'no-codec') return `A payload is sealed with key "${keyId}", and ${where} has no codec: configure the driver's \`codec\` with that key`;
  if (problem === 'unknown-key') return `A payload is sealed with key "${keyId}", which is not held by ${where}: add that key to the codec's keys`;
  return `A payload sealed with key "${keyId}" did not open with ${where}: the key listed under that id is not the one it was sealed with, or the payload was altered`;
}

registerErrorKind('payload-key', (s) => Object.assign(new PayloadKeyError((s.data?.problem ?? 'not-opened') as PayloadKeyProblem, String(s.data?.keyId), 'a codec'), { message: s.message }));
