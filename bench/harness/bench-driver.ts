import type { ModelServer } from '@ratchet/testing';
import type { BenchSide } from './bench-side.ts';

/**
 * How an engine joins the bench: one entry in `drivers/index.ts`. It starts the engine for this
 * bench run and hands back its two sides, Ratchet's driver and the engine's own SDK doing the same
 * work, plus how many repetitions of each figure it can afford.
 */
export interface BenchDriver {
  readonly name: 'local' | 'temporal' | 'restate' | 'inngest';
  /** Installs the engine (idempotent), or undefined when nothing needs installing. */
  readonly installScript?: string;
  start(context: { models: ModelServer }): Promise<BenchEngine>;
}

export interface BenchEngine {
  /** The engine and its version, as the report names it. */
  readonly version: string;
  /** What the bare side does, for the report. */
  readonly bareDescription: string;
  /** What a reader needs to read this engine's figures: settings, and what is particular to it. */
  readonly notes: readonly string[];
  readonly ratchet: BenchSide;
  readonly bare: BenchSide;
  readonly scale: BenchScale;
  stop(): Promise<void>;
}

/** Repetitions per figure: the fast local engine affords more than a server round trip does. */
export interface BenchScale {
  /** Runs per side for step overhead, each of `steps` no-op steps (every interval is a sample). */
  overhead: { runs: number; steps: number };
  /** Runs per side, each of `steps` no-op steps with `nows` reads of the time between each two. */
  now: { runs: number; steps: number; nows: number };
  completions: { runs: number; completions: number };
  /** Runs per side, each signalled `rounds` times (every signal is a sample). */
  signal: { runs: number; rounds: number };
  /** Runs per side, each of `sleeps` sleeps of `ms` (every sleep is a sample). */
  sleep: { runs: number; sleeps: number; ms: number };
  /** Journal lengths, and recoveries per side at each (one parked run recovered `rounds` times). */
  recovery: { rounds: number; steps: readonly number[] };
  /** Batches per side, each of `runs` 5-step runs. */
  throughput: { batches: number; runs: number };
  /** Extra steps and completions between the two runs whose stored bytes are compared. */
  bytes: { steps: number; completions: number };
  /**
   * Worker processes per side and memory mode: `batches` batches of `runs` runs per memory workload;
   * `parked` runs waiting for a signal at once; one run of `replaySteps` steps replayed (see memory.ts).
   */
  memory: { processes: number; batches: number; runs: number; parked: number; replaySteps: number };
}

/** `--quick`: a few repetitions of every figure, to see that a change runs, not what it costs. */
export function quickScale(scale: BenchScale): BenchScale {
  const few = (count: number, most: number) => Math.min(count, most);
  return {
    overhead: { runs: 2, steps: few(scale.overhead.steps, 10) },
    now: { ...scale.now, runs: 2, steps: few(scale.now.steps, 10) },
    completions: { runs: 2, completions: few(scale.completions.completions, 5) },
    signal: { runs: 2, rounds: few(scale.signal.rounds, 3) },
    sleep: { ...scale.sleep, runs: 2, sleeps: few(scale.sleep.sleeps, 3) },
    recovery: { rounds: 2, steps: scale.recovery.steps.slice(0, 2) },
    throughput: { batches: 2, runs: few(scale.throughput.runs, 10) },
    bytes: { steps: few(scale.bytes.steps, 10), completions: few(scale.bytes.completions, 5) },
    memory: { processes: 1, batches: 2, runs: few(scale.memory.runs, 10), parked: few(scale.memory.parked, 20), replaySteps: few(scale.memory.replaySteps, 50) },
  };
}
