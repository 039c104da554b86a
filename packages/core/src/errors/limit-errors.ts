import { RatchetError, registerErrorKind, type SerializedError } from './ratchet-error.ts';

/**
 * A payload is bigger than the engine stores: a step's input or output, a run's start (input,
 * options and seeded journal), a run's state. The driver raises it before the engine would fail on
 * its own, naming what was too big, its size, the limit and the engine. Not retryable: the same
 * value has the same size. Keep large data outside the journal and pass a reference.
 *
 * @example
 * if (bytes > limitBytes) throw new PayloadTooLargeError({ what: `The output of step "${stepId}"`, bytes, limitBytes, engine: 'Temporal' });
 */
export class PayloadTooLargeError extends RatchetError {
  readonly what: string;
  readonly bytes: number;
  readonly limitBytes: number;
  /** The engine whose limit it is (`Temporal`, `Restate`, `Inngest`, ...). */
  readonly engine: string;

  constructor(details: { what: string; bytes: number; limitBytes: number; engine: string; hint?: string; stepId?: string }) {
    const { what, bytes, limitBytes, engine, hint, stepId } = details;
    super(
      'payload-too-large',
      `${what} is ${bytes} bytes, over ${engine}'s limit of ${limitBytes} bytes: ${hint ?? "configure the driver's `offload` (a payload store for large payloads), or keep large data outside the journal and pass a reference"}`,
      { data: { what, bytes, limitBytes, engine, ...(stepId === undefined ? {} : { stepId }) } },
    );
    this.name = 'PayloadTooLargeError';
    this.what = what;
    this.bytes = bytes;
    this.limitBytes = limitBytes;
    this.engine = engine;
  }
}

/**
 * A run took more steps than its engine keeps for one run. Not retryable: the run would take the
 * same steps again. Split the work into several runs, or raise the engine's limit and the driver's
 * option together.
 */
export class StepCountExceededError extends RatchetError {
  readonly stepId: string;
  readonly limit: number;
  readonly engine: string;

  constructor(details: { stepId: string; steps: number; limit: number; engine: string; hint?: string }) {
    const { stepId, steps, limit, engine, hint } = details;
    super(
      'step-count-exceeded',
      `Step "${stepId}" is step ${steps} of its run, over ${engine}'s limit of ${limit} steps: ${hint ?? 'split the work into several runs'}`,
      { data: { stepId, steps, limit, engine } },
    );
    this.name = 'StepCountExceededError';
    this.stepId = stepId;
    this.limit = limit;
    this.engine = engine;
  }
}

const d = (s: SerializedError) => s.data ?? {};
// Read back with the name, message and data the journal holds, so an exported journal re-exports
// unchanged (entries written before these classes moved to core included).
registerErrorKind('payload-too-large', (s) =>
  Object.assign(
    new PayloadTooLargeError({ what: String(d(s).what ?? ''), bytes: Number(d(s).bytes), limitBytes: Number(d(s).limitBytes ?? d(s).limit), engine: String(d(s).engine ?? '') }),
    { name: s.name, message: s.message, data: d(s) },
  ),
);
registerErrorKind('step-count-exceeded', (s) =>
  Object.assign(
    new StepCountExceededError({ stepId: String(d(s).stepId ?? ''), steps: Number(d(s).steps), limit: Number(d(s).limit), engine: String(d(s).engine ?? '') }),
    { name: s.name, message: s.message, data: d(s) },
  ),
);
