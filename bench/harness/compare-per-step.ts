import type { BenchEngine } from './bench-driver.ts';
import type { BenchSide } from './bench-side.ts';
import { runBatch } from './run-batch.ts';
import { newRunId } from './run-ids.ts';
import { compareSummaries, type SideComparison } from './stats.ts';
import { probe } from './step-probe.ts';
import type { Workload } from '../workloads/workload.ts';

/** Samples in ms: for the per-step figures, the interval between consecutive marks of a run. */
export interface PerStepComparison extends SideComparison {
  /** ratchet / bare p95s. */
  p95Ratio: number;
  /** ratchet − bare medians, ms. */
  overheadMs: number;
}

/** Runs `runs` runs of `workload` on each side (see `compareSides`); every interval between two marks of a run is a sample. */
export function comparePerStep(engine: BenchEngine, figure: string, workload: Workload, runs: number): Promise<PerStepComparison> {
  return compareSides(engine, runs, async (side) => {
    const runId = newRunId(figure, side.label);
    await runBatch(side, [runId], workload);
    return probe.intervals(runId);
  });
}

/**
 * With a worker of each side up, takes `rounds` rounds of samples per side, alternating which side
 * goes first, so background load falls on both alike. One untimed warm-up round per side first.
 */
export async function compareSides(engine: BenchEngine, rounds: number, sample: (side: BenchSide) => Promise<number[]>): Promise<PerStepComparison> {
  const sides = [engine.ratchet, engine.bare];
  const workers = await Promise.all(sides.map((side) => side.startWorker()));
  const samples = new Map<BenchSide, number[]>(sides.map((side) => [side, []]));
  try {
    for (const side of sides) await sample(side);
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) samples.get(side)!.push(...(await sample(side)));
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  return compareSamples(samples.get(engine.ratchet)!, samples.get(engine.bare)!);
}

/** Summaries of both sides' samples and their ratio (Ratchet / bare). */
export function compareSamples(ratchetSamples: readonly number[], bareSamples: readonly number[]): PerStepComparison {
  const compared = compareSummaries(ratchetSamples, bareSamples);
  return { ...compared, p95Ratio: compared.ratchet.p95 / compared.bare.p95, overheadMs: compared.ratchet.median - compared.bare.median };
}
