/**
 * Where a step's attempts start counting, so that a driver can tell a step's attempt number without
 * a write before every step. Ratchet counts every attempt, also one that crashed its worker, so a
 * driver that cannot learn the attempt from its engine would record each one before it runs. But a
 * driver that counts each execution of a run durably as it starts, and names in every journaled
 * record the execution that produced it, can reckon it instead.
 *
 * A step is issued right after the agent awaited something: its gate. Every execution from the one
 * that settled the gate up to this one reached the step and tried it (a crash or a retry backoff
 * ends an execution, and none can park while a step runs), so the step's attempt is
 * `execution − gate + 1` — the first attempt, with nothing to write, whenever the gate settled in
 * this execution. The gate is the latest execution among the records settled when the step was
 * issued: the steps of one `Promise.all` are issued together, before any of them settles, so none is
 * the gate of another.
 *
 * A wait whose end no execution journals (Restate's server-side timers and promises: a run parked on
 * one may crash and resume any number of times first) makes the gate unknown (`waited`) until a
 * record issued after it settles; a driver counts such a step's attempts the old way, or journals a
 * marker after the wait that dates it. A driver that journals a wait's end from the execution that
 * saw it (the local driver) has no unknown gates.
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

  /**
   * A record produced by `execution` settled; `gate` is what `issue` gave when it was issued, in a
   * driver with waits that settle unjournaled (it dates those settled before).
   */
  settled(execution: number, gate?: { waits: number }): void {
    this.#execution = Math.max(this.#execution, execution);
    if (gate) this.#datedWaits = Math.max(this.#datedWaits, gate.waits);
  }

  /** A wait whose end no execution journaled settled. */
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
