/**
 * Remembers, per worker process, models that keep failing: after `failures` failures within
 * `windowMs` a model is skipped for `windowMs`. Not durable on purpose: it only decides which model
 * to try first, and what was tried is journaled either way.
 */
export class ModelCooldown {
  readonly #failures = new Map<string, number[]>();

  isCooling(model: string, failures: number, windowMs: number, now = Date.now()): boolean {
    const recent = (this.#failures.get(model) ?? []).filter((at) => now - at < windowMs);
    this.#failures.set(model, recent);
    return recent.length >= failures;
  }

  recordFailure(model: string, now = Date.now()): void {
    this.#failures.set(model, [...(this.#failures.get(model) ?? []), now]);
  }

  recordSuccess(model: string): void {
    this.#failures.delete(model);
  }
}
