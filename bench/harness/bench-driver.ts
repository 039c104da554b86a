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
  completions: { runs: number; completions: number };
  /** Journal lengths, and recoveries per side at each (one parked run recovered `rounds` times). */
  recovery: { rounds: number; steps: readonly number[] };
  /** Batches per side, each of `runs` 5-step runs. */
  throughput: { batches: number; runs: number };
  /** Extra steps and completions between the two runs whose stored bytes are compared. */
  bytes: { steps: number; completions: number };
}
