/**
 * Signals a run has received and not yet consumed, in arrival order per name. It lives in workflow
 * state, so a signal sent before the agent waits for it (or while no worker runs) is kept: Temporal
 * replays the signal events into it on every replay.
 */
export class SignalInbox {
  readonly #queues = new Map<string, unknown[]>();

  push(name: string, payload: unknown): void {
    const queue = this.#queues.get(name);
    if (queue) queue.push(payload);
    else this.#queues.set(name, [payload]);
  }

  has(name: string): boolean {
    return (this.#queues.get(name)?.length ?? 0) > 0;
  }

  /** Takes the oldest unconsumed payload of that name; call only after `has`. */
  take(name: string): unknown {
    return this.#queues.get(name)!.shift();
  }
}
