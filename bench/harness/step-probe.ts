/**
 * Where the bench's no-op steps and the model server say "a step is running now". Every worker of
 * the bench runs in this process, so one clock (`performance.now()`, sub-millisecond) times both
 * sides: the interval between two marks of a run is one step's whole round trip through the engine
 * (journal the previous step, come back, schedule the next), without the start and result polling
 * around a run that differ between clients.
 */
export class StepProbe {
  readonly #marks = new Map<string, number[]>();
  readonly #waiters = new Map<string, { count: number; resolve: (marks: number[]) => void }[]>();

  mark(runId: string): void {
    const marks = this.#marks.get(runId) ?? [];
    marks.push(performance.now());
    this.#marks.set(runId, marks);
    const waiters = this.#waiters.get(runId);
    if (!waiters) return;
    for (const waiter of [...waiters]) {
      if (marks.length < waiter.count) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(marks);
    }
  }

  /** Resolves with the run's marks once it has at least `count`. */
  until(runId: string, count: number, timeoutMs = 300_000): Promise<number[]> {
    const marks = this.#marks.get(runId) ?? [];
    if (marks.length >= count) return Promise.resolve(marks);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${runId}: ${this.marks(runId).length} of ${count} steps within ${timeoutMs} ms`)), timeoutMs);
      const waiters = this.#waiters.get(runId) ?? [];
      waiters.push({ count, resolve: (found) => (clearTimeout(timer), resolve(found)) });
      this.#waiters.set(runId, waiters);
    });
  }

  /** Throws unless the run marked exactly `count` times. */
  expectExactly(runId: string, count: number): void {
    const found = this.marks(runId).length;
    if (found !== count) throw new Error(`run ${runId}: ${found} marks where its workload makes ${count} (a step ran twice, or the sides do different work)`);
  }

  marks(runId: string): readonly number[] {
    return this.#marks.get(runId) ?? [];
  }

  /** Intervals between consecutive marks, in ms. */
  intervals(runId: string): number[] {
    const marks = this.marks(runId);
    return marks.slice(1).map((at, index) => at - marks[index]!);
  }
}

/** The one probe of this process. */
export const probe = new StepProbe();
