/**
 * The one error base. Identity is a `Symbol.for` marker, not `instanceof`, because the same class
 * can be loaded twice (a Temporal workflow bundle and the worker each have their own copy).
 *
 * `retryable` carries the whole retry model: a retryable error is retried by the step's policy and,
 * when the policy runs out, dead-letters the run; a non-retryable (terminal) error is journaled once
 * and thrown into the agent, where it can be caught or fail the run.
 */
const marker = Symbol.for('ratchet.error');

/**
 * Every kind of error Ratchet raises, one class each (defined and registered in core). The journal
 * stores the kind, and `deserializeError` rebuilds the class from it. `application` is an error from
 * user code or an SDK, carried with its own name.
 */
export const ratchetErrorKinds = [
  'application',
  'terminal',
  'usage',
  'config',
  'capability',
  'input-validation',
  'output-validation',
  'tool-input',
  'unknown-tool',
  'missing-implementation',
  'missing-api-key',
  'non-determinism',
  'worker-crash',
  'provider',
  'budget-exceeded',
  'context-window-exceeded',
  'tool-call',
  'payload-too-large',
  'step-count-exceeded',
  'engine-request',
  'engine-failure',
  'engine-start',
  'engine-data',
  'signal-payload',
  'run-not-found',
  'run-conflict',
  'run-failed',
  'run-dead-lettered',
  'result-timeout',
  'run-ended',
  'run-migrated',
  'migration',
  'journal-document',
  'payload-key',
  'payload-store',
] as const;

export type RatchetErrorKind = (typeof ratchetErrorKinds)[number];

// The kind a journal held when it is not one of this version's (an entry written by another
// release): the error reads back as `application` and is written back with the kind it had.
const journaledKind = Symbol.for('ratchet.journaledKind'); // for, like the marker: core may be loaded twice

export interface RatchetErrorOptions {
  retryable?: boolean;
  /** Honoured by the retry policy as the earliest next attempt (a 429's `retry-after`). */
  retryAfterMs?: number;
  cause?: unknown;
  /** Extra, JSON-serialisable facts; they survive the journal round trip. */
  data?: Record<string, unknown>;
}

export class RatchetError extends Error {
  readonly [marker] = true;
  /** Stable machine-readable kind; the journal stores it and deserialisation rebuilds from it. */
  readonly kind: RatchetErrorKind;
  [journaledKind]?: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly data: Record<string, unknown>;

  constructor(kind: RatchetErrorKind, message: string, options: RatchetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RatchetError';
    this.kind = kind;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.data = options.data ?? {};
  }

  static isInstance(error: unknown): error is RatchetError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** What the journal keeps of an error. Its `kind` is a string: a journal may come from another release. */
export interface SerializedError {
  name: string;
  kind: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  data?: Record<string, unknown>;
}

type ErrorFactory = (serialized: SerializedError) => RatchetError;
const factories = new Map<string, ErrorFactory>();
const knownKinds: ReadonlySet<string> = new Set(ratchetErrorKinds);

/**
 * Lets `deserializeError` rebuild a specific class (and so `instanceof`) from its kind. Core's error
 * modules call it for their own kinds only; it is not exported from the package.
 */
export function registerErrorKind(kind: RatchetErrorKind, factory: ErrorFactory): void {
  factories.set(kind, factory);
}

export function serializeError(error: unknown): SerializedError {
  if (RatchetError.isInstance(error)) {
    const serialized: SerializedError = {
      name: error.name,
      kind: error[journaledKind] ?? error.kind,
      message: error.message,
      retryable: error.retryable,
    };
    if (error.retryAfterMs !== undefined) serialized.retryAfterMs = error.retryAfterMs;
    if (Object.keys(error.data).length > 0) serialized.data = error.data;
    return serialized;
  }
  if (error instanceof Error) {
    // A plain error from user code is retryable, as in Temporal: throw a TerminalError to say otherwise.
    return { name: error.name, kind: 'application', message: error.message, retryable: true };
  }
  return { name: 'Error', kind: 'application', message: String(error), retryable: true };
}

export function deserializeError(serialized: SerializedError): RatchetError {
  const factory = factories.get(serialized.kind);
  if (factory) return factory(serialized);
  const error = new RatchetError('application', serialized.message, {
    retryable: serialized.retryable,
    ...(serialized.retryAfterMs === undefined ? {} : { retryAfterMs: serialized.retryAfterMs }),
    ...(serialized.data === undefined ? {} : { data: serialized.data }),
  });
  error.name = serialized.name;
  if (!knownKinds.has(serialized.kind)) error[journaledKind] = serialized.kind;
  return error;
}
