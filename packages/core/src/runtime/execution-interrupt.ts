import type { RatchetError } from '../errors/ratchet-error.ts';

const marker = Symbol.for('ratchet.interrupt');

/**
 * Thrown through the agent's code to stop the current execution without failing the run: to
 * suspend it (waiting on a timer, a signal or a retry backoff), to dead-letter it, or to abandon it
 * (the worker lost its lease or is shutting down; another execution takes over). It is never
 * compensated and never journaled as a failure. If agent code catches it, every later `ctx` call
 * throws it again and the execution ends anyway.
 */
export class ExecutionInterrupt extends Error {
  readonly [marker] = true;
  readonly reason: 'suspend' | 'dead-letter' | 'abandon';
  readonly details: { wakeAt?: number; error?: RatchetError; stepId?: string };
  constructor(
    reason: 'suspend' | 'dead-letter' | 'abandon',
    details: { wakeAt?: number; error?: RatchetError; stepId?: string } = {},
  ) {
    super(reason === 'dead-letter' ? `execution dead-lettered: ${details.error?.message ?? ''}` : `execution ${reason === 'suspend' ? 'suspended' : 'abandoned'}`);
    this.name = 'ExecutionInterrupt';
    this.reason = reason;
    this.details = details;
  }

  static isInstance(error: unknown): error is ExecutionInterrupt {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
