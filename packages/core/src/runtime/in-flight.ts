/**
 * The effects of one execution that are still running. A sibling inside a `Promise.all` can outlive
 * the failure or interrupt that ends the execution; a driver settles them before it lets the run go,
 * so no attempt is still writing when another worker takes the run.
 */
export class InFlightEffects {
  readonly #running = new Set<Promise<void>>();

  /** Tracks `promise` until it settles; its outcome stays with the caller. */
  track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
  }

  /** Resolves when every tracked effect has settled. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
