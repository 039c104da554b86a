import type { PerStepComparison } from '../harness/compare-per-step.ts';
import type { BenchScale } from '../harness/bench-driver.ts';
import type { JournalBytesResult } from '../figures/journal-bytes.ts';
import type { MemoryResult } from '../figures/memory.ts';
import type { RecoveryResult } from '../figures/recovery.ts';
import type { ThroughputResult } from '../figures/throughput.ts';
import type { Machine } from './machine.ts';
import type { TargetCheck } from './targets.ts';

/** Everything one `npm run bench` measured: what docs/benchmarks.json holds and the markdown shows. */
export interface BenchReport {
  generatedAt: string;
  command: string;
  durationMs: number;
  machine: Machine;
  drivers: DriverReport[];
  /** Set when `--quick` shrank every figure's repetitions: a smoke run, not a measurement. */
  quick?: boolean;
  /** Drivers in the list that could not be measured in this run, and why. */
  unavailable: { name: string; reason: string }[];
}

export interface DriverReport {
  name: string;
  engine: string;
  bare: string;
  notes: readonly string[];
  scale: BenchScale;
  durationMs: number;
  /** Each figure, unless the run left it out (`--figures`). */
  stepOverhead?: PerStepComparison;
  completionOverhead?: PerStepComparison;
  nowOverhead?: PerStepComparison;
  signalLatency?: PerStepComparison;
  sleepLatency?: PerStepComparison;
  recovery?: RecoveryResult;
  throughput?: ThroughputResult;
  journalBytes?: JournalBytesResult;
  memory?: MemoryResult;
  targets: TargetCheck[];
}
