import type { RatchetError } from '../errors/ratchet-error.ts';
import type { OpenWait } from '../journal/seeded-journal.ts';

export type InterruptReason = 'suspend' | 'dead-letter' | 'abandon' | 'migrate';

export interface InterruptDetails {
  wakeAt?: number;
  error?: RatchetError;
  stepId?: string;
  /** With `migrate`: the sleep or signal wait the run stopped in, if it stopped in one. */
  openWait?: OpenWait;
}

const marker = Symbol.for('ratchet.interrupt');

/**
 * Thrown through the agent's code to stop the current execution without failing the run: to
 * suspend it (waiting on a timer, a signal or a retry backoff), to dead-letter it, or to abandon it
 * (the worker lost its lease or is shutting down; another execution takes over), or to end it here
 * because it was asked to migrate (the host found the request at a safe point). It is never
 * compensated and never journaled as a failure. If agent code catches it, every later `ctx` call
 * throws it again and the execution ends anyway.
 */
export class ExecutionInterrupt extends Error {
  readonly [marker] = true;
  readonly reason: InterruptReason;
  readonly details: InterruptDetails;
  constructor(reason: InterruptReason, details: InterruptDetails = {}) {
    super(reason === 'dead-letter' ? `execution dead-lettered: ${details.error?.message ?? ''}` : `execution ${pastTense[reason]}`);
    this.name = 'ExecutionInterrupt';
    this.reason = reason;
    this.details = details;
  }

  static isInstance(error: unknown): error is ExecutionInterrupt {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

const pastTense: Record<InterruptReason, string> = { suspend: 'suspended', 'dead-letter': 'dead-lettered', abandon: 'abandoned', migrate: 'stopped for migration' };
