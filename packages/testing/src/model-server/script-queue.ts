import type { ModelApi, ScriptedResponse } from './scripted-response.ts';

interface QueuedEntry {
  response: ScriptedResponse;
  remaining: number;
}

/**
 * The FIFO of scripted answers. A request takes the first entry it matches, so an entry scoped to
 * one model does not block answers meant for another.
 */
export class ScriptQueue {
  #entries: QueuedEntry[] = [];

  push(responses: ScriptedResponse[]): void {
    for (const response of responses) {
      const remaining = response.times ?? 1;
      if (!(remaining >= 1)) throw new RangeError(`times must be at least 1, got ${String(response.times)}`);
      this.#entries.push({ response, remaining });
    }
  }

  /** Removes (or counts down) and returns the first entry that matches, if any. */
  take(request: { api: ModelApi; model: string }): ScriptedResponse | undefined {
    const index = this.#entries.findIndex(({ response: { match } }) => {
      if (match?.api !== undefined && match.api !== request.api) return false;
      return match?.model === undefined || match.model === request.model;
    });
    const entry = this.#entries[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    return entry.response;
  }

  clear(): void {
    this.#entries = [];
  }
}
