import type { BenchEngine } from './bench-driver.ts';
import type { BenchSide } from './bench-side.ts';
import { newRunId } from './run-ids.ts';
import { bootstrapRatio, summarize, type RatioEstimate, type Summary } from './stats.ts';
import { probe } from './step-probe.ts';
import { expectedMarks, type Workload } from '../workloads/workload.ts';

export interface PerStepComparison {
  /** ms per step (or completion): the interval between consecutive marks of a run. */
  ratchet: Summary;
  bare: Summary;
  /** ratchet / bare medians, with a 95% bootstrap interval. */
  ratio: RatioEstimate;
  /** ratchet / bare p95s. */
  p95Ratio: number;
  /** ratchet − bare medians, ms. */
  overheadMs: number;
}

/**
 * Runs `runs` runs of `workload` on each side with a worker of each up, alternating which side goes
 * first, so background load falls on both alike. One untimed warm-up run per side first.
 */
export async function comparePerStep(engine: BenchEngine, figure: string, workload: Workload, runs: number): Promise<PerStepComparison> {
  const sides = [engine.ratchet, engine.bare];
  const workers = await Promise.all(sides.map((side) => side.startWorker()));
  const samples = new Map<BenchSide, number[]>(sides.map((side) => [side, []]));
  try {
    for (const side of sides) await runOnce(side, figure, workload);
    for (let round = 0; round < runs; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        samples.get(side)!.push(...(await runOnce(side, figure, workload)));
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  const ratchet = summarize(samples.get(engine.ratchet)!);
  const bare = summarize(samples.get(engine.bare)!);
  return {
    ratchet,
    bare,
    ratio: bootstrapRatio(samples.get(engine.ratchet)!, samples.get(engine.bare)!),
    p95Ratio: ratchet.p95 / bare.p95,
    overheadMs: ratchet.median - bare.median,
  };
}

async function runOnce(side: BenchSide, figure: string, workload: Workload): Promise<number[]> {
  const runId = newRunId(figure, side.label);
  await side.startRun(runId, workload);
  await probe.until(runId, expectedMarks(workload));
  await side.awaitCompleted(runId);
  return probe.intervals(runId);
}
