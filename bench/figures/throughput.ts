import type { BenchEngine } from '../harness/bench-driver.ts';
import type { BenchSide } from '../harness/bench-side.ts';
import { runBatch } from '../harness/run-batch.ts';
import { newRunId } from '../harness/run-ids.ts';
import { bootstrapRatio, summarize, type RatioEstimate, type Summary } from '../harness/stats.ts';

/** Steps of the throughput agent. */
export const throughputSteps = 5;

export interface ThroughputResult {
  /** ms per run, one sample per batch (so p95 is the slow tail); runs/s is 1000 / this. */
  ratchet: Summary;
  bare: Summary;
  /** Ratchet's runs/s over the bare engine's (medians), with a 95% bootstrap interval. */
  ratio: RatioEstimate;
}

/**
 * Runs per second of a 5-step run with one worker: with the worker up, a batch of runs is started at
 * once; the rate is the batch over the time from its first step to its last run's final step, so an
 * engine that runs the whole batch at once is timed over the whole of it, and one that polls for new
 * runs is not charged its first poll. Sides alternate which goes first.
 */
export async function measureThroughput(engine: BenchEngine): Promise<ThroughputResult> {
  const { batches, runs } = engine.scale.throughput;
  const sides = [engine.ratchet, engine.bare];
  const samples = new Map<BenchSide, number[]>(sides.map((side) => [side, []]));
  for (let batch = 0; batch < batches; batch++) {
    for (const side of batch % 2 === 0 ? sides : [...sides].reverse()) samples.get(side)!.push(await timeBatch(side, runs));
  }
  const ratchet = summarize(samples.get(engine.ratchet)!);
  const bare = summarize(samples.get(engine.bare)!);
  return { ratchet, bare, ratio: bootstrapRatio(samples.get(engine.bare)!, samples.get(engine.ratchet)!) };
}

async function timeBatch(side: BenchSide, runs: number): Promise<number> {
  const runIds = Array.from({ length: runs }, () => newRunId('throughput', side.label));
  const worker = await side.startWorker();
  try {
    const marks = await runBatch(side, runIds, { kind: 'steps', steps: throughputSteps });
    const firstStep = Math.min(...marks.map((m) => m[0]!));
    const lastFinish = Math.max(...marks.map((m) => m[throughputSteps - 1]!));
    return (lastFinish - firstStep) / runs;
  } finally {
    await worker.stop();
  }
}
