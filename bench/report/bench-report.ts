import type { PerStepComparison } from '../harness/compare-per-step.ts';
import type { BenchScale } from '../harness/bench-driver.ts';
import type { JournalBytesResult } from '../figures/journal-bytes.ts';
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
  stepOverhead: PerStepComparison;
  completionOverhead: PerStepComparison;
  recovery: RecoveryResult;
  throughput: ThroughputResult;
  journalBytes: JournalBytesResult;
  targets: TargetCheck[];
}
