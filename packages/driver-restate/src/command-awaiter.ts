import * as restate from '@restatedev/restate-sdk';

type Settled = { index: number; value?: unknown; failure?: restate.TerminalError };

/**
 * Awaits the host's Restate promises for it, one execution at a time. Agents use native
 * `Promise.all` over `ctx` calls, but awaiting two Restate promises separately starts two SDK
 * progress loops, and the second fails the attempt ("awaitNext already pending", from the SDK's
 * `ExternalProgressChannel`); the invocation then retries forever. So every pending promise is
 * awaited through a single `RestatePromise.race`: the steps an agent starts together still run
 * together (the SDK runs the closures of the promises it is awaiting), and only one loop exists.
 */
export class CommandAwaiter {
  readonly #waiting = new Map<restate.RestatePromise<unknown>, { resolve(value: unknown): void; reject(error: unknown): void }>();
  #pumping = false;

  wait<T>(promise: restate.RestatePromise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(promise, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#pumping) return;
      this.#pumping = true;
      // After the agent's synchronous calls, so everything it started together is raced together.
      queueMicrotask(() => void this.#pump());
    });
  }

  async #pump(): Promise<void> {
    while (this.#waiting.size > 0) {
      const promises = [...this.#waiting.keys()];
      // A failure of a Restate promise is always a TerminalError; map it to a value so the race settles on it.
      const settled = await restate.RestatePromise.race(
        promises.map((promise, index) => promise.map((value, failure): Settled => ({ index, value, ...(failure ? { failure } : {}) }))),
      );
      const promise = promises[settled.index]!;
      const waiter = this.#waiting.get(promise)!;
      this.#waiting.delete(promise);
      if (settled.failure) waiter.reject(settled.failure);
      else waiter.resolve(settled.value);
    }
    this.#pumping = false;
  }
}
