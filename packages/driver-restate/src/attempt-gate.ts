/**
 * Where a step's attempts start counting, so that a step can tell its attempt number without a call
 * outside its journal. Ratchet counts every attempt, also one that crashed its worker, and a
 * `ctx.run` closure cannot learn its attempt number from the SDK (the retry count lives in the VM).
 * But each execution of a run (one Restate attempt of its invocation) is counted once, when it
 * starts, and every journaled record says which execution produced it.
 *
 * A step is issued right after the agent awaited something: its gate. Every execution from the one
 * that settled the gate up to this one reached the step and tried it (a crash or retry ends an
 * execution; an execution cannot suspend while a step runs), so the step's attempt is
 * `execution − gate + 1` — the first attempt, with nothing to ask, whenever the gate settled in this
 * execution. The gate is the latest execution among the records settled when the step was issued:
 * the steps of one `Promise.all` are issued together, before any of them settles, so none is the
 * gate of another.
 *
 * A sleep or signal wait settles in an execution nobody journaled (its timer or promise completes
 * on the server, and a run parked on it may crash and resume any number of times first), so a step
 * issued after a wait, with no record settled since, has an unknown gate: it asks the ledger, which
 * counts its attempts there. A record settled after the wait was issued after it, so it dates it.
 */
export type Gate = { execution: number } | { unknown: true };

export class AttemptGate {
  /** The latest execution among the records settled so far (0: none yet). */
  #execution = 0;
  /** Waits settled so far, and how many of them a record settled since dates. */
  #waits = 0;
  #datedWaits = 0;

  /** The gate of a step issued now. Keep it until the step settles. */
  issue(): Gate & { waits: number } {
    return this.#waits > this.#datedWaits ? { unknown: true, waits: this.#waits } : { execution: this.#execution, waits: this.#waits };
  }

  /** A record issued at `gate` settled, produced by `execution`. */
  settled(gate: { waits: number }, execution: number): void {
    this.#execution = Math.max(this.#execution, execution);
    this.#datedWaits = Math.max(this.#datedWaits, gate.waits);
  }

  /** A sleep or signal wait settled. */
  waited(): void {
    this.#waits++;
  }
}

/**
 * The attempt of a step whose gate is known, in `execution`. A redrive starts every step over:
 * executions up to `redrivenAt` do not count.
 */
export function attemptAfter(gate: { execution: number }, execution: number, redrivenAt: number): number {
  return Math.max(1, execution - Math.max(gate.execution, redrivenAt + 1) + 1);
}
