/**
 * What a benchmark run does, the same on the Ratchet side and the bare side of every engine:
 * - `steps`: that many no-op steps in a row;
 * - `now`: that many no-op steps, with `nows` journaled reads of the time (`ctx.now()`) between each
 *   two of them;
 * - `completions`: that many model completions in a row, each journaled;
 * - `sleep`: a no-op step, then `sleeps` times: a durable sleep of `ms`, one no-op step;
 * - `recovery`: that many no-op steps, then `rounds` times: wait for the `go` signal, one no-op step.
 *   Each round is one recovery sample (the run parks, its worker stops, a new worker replays it), or,
 *   with the worker up, one signal-latency sample.
 */
export type Workload =
  | { kind: 'steps'; steps: number }
  | { kind: 'now'; steps: number; nows: number }
  | { kind: 'completions'; completions: number }
  | { kind: 'sleep'; sleeps: number; ms: number }
  | { kind: 'recovery'; steps: number; rounds: number };

/** The signal a recovery run waits for. */
export const releaseSignal = 'go';

/** The model both sides ask, by the model server; a catalogued id, so Ratchet does its usual window and price work. */
export const benchModel = 'gpt-4o-mini';
export const benchMessages = [{ role: 'user' as const, content: 'Reply with one word.' }];

/** No-op marks and model requests a run makes: how many the probe sees once the run is done. */
export function expectedMarks(workload: Workload): number {
  switch (workload.kind) {
    case 'steps':
    case 'now':
      return workload.steps;
    case 'completions':
      return workload.completions;
    case 'sleep':
      return workload.sleeps + 1;
    case 'recovery':
      return workload.steps + workload.rounds;
  }
}
