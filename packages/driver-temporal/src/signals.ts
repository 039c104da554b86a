import type { PendingSignal } from '@ratchet/core';

/**
 * Signals a run has received and not yet consumed, in arrival order. It lives in workflow state,
 * so a signal sent before the agent waits for it (or while no worker runs) is kept: Temporal
 * replays the signal events into it on every replay. It starts with the signals received before
 * this workflow run began: those carried from the run it continues as new, or a seeded run's
 * `seeded.signals`. What is left when the run continues as new or migrates is handed on.
 */
export class SignalInbox {
  readonly #signals: PendingSignal[];

  constructor(earlier: readonly PendingSignal[] = []) {
    this.#signals = [...earlier];
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
