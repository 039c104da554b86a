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

/** Why an offloaded payload could not be read back: no store is configured here, its bytes are gone, or they changed. */
export type PayloadStoreProblem = 'no-store' | 'missing' | 'altered';

/**
 * An offloaded payload could not be read back from the payload store, naming its reference (the
 * SHA-256 of its bytes). `altered`: the bytes under that reference no longer hash to it. Like a
 * missing key, it is never the run's failure: a worker leaves the run for one that can read it.
 */
export class PayloadStoreError extends RatchetError {
  readonly problem: PayloadStoreProblem;
  readonly ref: string;
  constructor(problem: PayloadStoreProblem, ref: string, where: string) {
    super('payload-store', storeMessage(problem, ref, where), { retryable: true, data: { problem, ref } });
    this.name = 'PayloadStoreError';
    this.problem = problem;
    this.ref = ref;
  }
}

/** By kind, not `instanceof`: core may be loaded twice (see `RatchetError`). */
export function isPayloadKeyError(error: unknown): error is PayloadKeyError {
  return RatchetError.isInstance(error) && error.kind === 'payload-key';
}

/** A payload that could not be opened or fetched: the reader's failure (its keys, its store), never the run's. */
export function isUnreadablePayloadError(error: unknown): error is PayloadKeyError | PayloadStoreError {
  return RatchetError.isInstance(error) && (error.kind === 'payload-key' || error.kind === 'payload-store');
}

function storeMessage(problem: PayloadStoreProblem, ref: string, where: string): string {
  if (problem === 'no-store') return `A payload was offloaded to a payload store (${ref}), and ${where} has none: configure the driver's \`offload\` with the same store`;
  if (problem === 'missing') return `An offloaded payload (${ref}) is not in the payload store ${where} reads: it was deleted, or this is not the store it was written to`;
  return `An offloaded payload (${ref}) was altered in the payload store ${where} reads: its bytes no longer match the digest the journal keeps`;
}

function message(problem: PayloadKeyProblem, keyId: string, where: string): string {
  if (problem === 'no-codec') return `A payload is sealed with key "${keyId}", and ${where} has no codec: configure the driver's \`codec\` with that key`;
  if (problem === 'unknown-key') return `A payload is sealed with key "${keyId}", which is not held by ${where}: add that key to the codec's keys`;
  return `A payload sealed with key "${keyId}" did not open with ${where}: the key listed under that id is not the one it was sealed with, or the payload was altered`;
}

registerErrorKind('payload-store', (s) => Object.assign(new PayloadStoreError((s.data?.problem ?? 'missing') as PayloadStoreProblem, String(s.data?.ref), 'a reader'), { message: s.message }));
registerErrorKind('payload-key', (s) => Object.assign(new PayloadKeyError((s.data?.problem ?? 'not-opened') as PayloadKeyProblem, String(s.data?.keyId), 'a codec'), { message: s.message }));
