import type { PendingSignal } from './contract.ts';

/**
 * Signals a run has received and not yet consumed, in arrival order. It lives in workflow state,
 * so a signal sent before the agent waits for it (or while no worker runs) is kept: Temporal
 * replays the signal events into it on every replay. When the run continues as new, what is left
 * is carried into the next run, which starts its inbox with it.
 */
export class SignalInbox {
  readonly #signals: PendingSignal[];

  constructor(carried: readonly PendingSignal[] = []) {
    this.#signals = [...carried];
  }

  push(name: string, payload: unknown): void {
    this.#signals.push({ name, payload });
  }

  has(name: string): boolean {
    return this.#signals.some((signal) => signal.name === name);
  }

  /** Takes the oldest unconsumed payload of that name; call only after `has`. */
  take(name: string): unknown {
    const index = this.#signals.findIndex((signal) => signal.name === name);
    return this.#signals.splice(index, 1)[0]!.payload;
  }

  /** The signals not consumed yet, oldest first. */
  pending(): PendingSignal[] {
    return [...this.#signals];
  }
}
