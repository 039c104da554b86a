import type { BenchEngine } from '../harness/bench-driver.ts';
import type { BenchSide, Stoppable } from '../harness/bench-side.ts';
import { newRunId } from '../harness/run-ids.ts';
import { bootstrapRatio, linearFit, summarize, type RatioEstimate, type Summary } from '../harness/stats.ts';
import { probe } from '../harness/step-probe.ts';

export interface RecoveryAtLength {
  /** Steps journaled when the first recovery starts; the i-th recovery finds i − 1 more. */
  steps: number;
  /** ms from starting a new worker to the run's next step, which needs the journal replayed first. */
  ratchet: Summary;
  bare: Summary;
  ratio: RatioEstimate;
}

export interface RecoveryResult {
  lengths: RecoveryAtLength[];
  /** Least-squares slope of the medians over journaled steps: the replay cost of one step, ms. */
  replayPerStepMs: { ratchet: number; bare: number; ratio: number };
  /** T(longest) / T(the length before): linear growth is at most `lengthsRatio`. */
  growth: { ratchet: number; bare: number; lengthsRatio: number };
}

/**
 * For each journal length, one run per side journals that many no-op steps and waits for a signal;
 * its worker stops. Then, `rounds` times, alternating which side goes first: signal the run with no
 * worker up, start a new worker, time it to the run's next step (every journaled step is replayed
 * before it), let the run park again and stop the worker. (Stateless workers: see `BenchSide`.)
 */
export async function measureRecovery(engine: BenchEngine): Promise<RecoveryResult> {
  const { rounds, steps: lengths } = engine.scale.recovery;
  const sides = [engine.ratchet, engine.bare];
  const parked = new Map(await Promise.all(sides.map(async (side) => [side, await park(side, lengths, rounds)] as const)));
  const results: RecoveryAtLength[] = [];
  for (const [index, steps] of lengths.entries()) {
    const samples = new Map<BenchSide, number[]>(sides.map((side) => [side, []]));
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        samples.get(side)!.push(await recover(side, parked.get(side)![index]!, steps + round, round === rounds - 1));
      }
    }
    const ratchet = samples.get(engine.ratchet)!;
    const bare = samples.get(engine.bare)!;
    results.push({ steps, ratchet: summarize(ratchet), bare: summarize(bare), ratio: bootstrapRatio(ratchet, bare) });
  }
  const slope = (side: 'ratchet' | 'bare') => linearFit(results.map((r) => ({ x: r.steps, y: r[side].median }))).slope;
  const [previous, longest] = results.slice(-2) as [RecoveryAtLength, RecoveryAtLength];
  return {
    lengths: results,
    replayPerStepMs: { ratchet: slope('ratchet'), bare: slope('bare'), ratio: slope('ratchet') / slope('bare') },
    growth: {
      ratchet: longest.ratchet.median / previous.ratchet.median,
      bare: longest.bare.median / previous.bare.median,
      lengthsRatio: longest.steps / previous.steps,
    },
  };
}

/** One run per length, each parked at its first signal wait with its steps journaled. */
async function park(side: BenchSide, lengths: readonly number[], rounds: number): Promise<string[]> {
  const runIds = lengths.map((steps) => newRunId(`recovery${steps}`, side.label));
  const worker = await side.startWorker();
  try {
    await Promise.all(runIds.map((runId, index) => side.startRun(runId, { kind: 'recovery', steps: lengths[index]!, rounds })));
    await Promise.all(
      runIds.map(async (runId, index) => {
        await probe.until(runId, lengths[index]!);
        await side.awaitWaiting(runId);
      }),
    );
  } finally {
    await worker.stop();
  }
  return runIds;
}

/** `journaled`: the run's marks so far; the next one is the step after the signal. */
async function recover(side: BenchSide, runId: string, journaled: number, last: boolean): Promise<number> {
  let startedAt = 0;
  const worker = await releaseToNewWorker(side, runId, () => (startedAt = performance.now()));
  try {
    const next = (await probe.until(runId, journaled + 1))[journaled]!;
    await (last ? side.awaitCompleted(runId) : side.awaitWaiting(runId));
    return next - startedAt;
  } finally {
    await worker.stop();
  }
}

/**
 * Signals a parked run and starts a new worker for it, calling `started` where its recovery time
 * begins: a stateless side's worker is up first (it only serves requests), so the clock starts
 * after it; otherwise the signal goes to a run with no worker up, and the clock starts before the worker.
 */
export async function releaseToNewWorker(side: BenchSide, runId: string, started: () => void): Promise<Stoppable> {
  if (side.stateless) {
    const worker = await side.startWorker();
    started();
    await release(side, runId).catch(async (error: unknown) => {
      await worker.stop();
      throw error;
    });
    return worker;
  }
  await release(side, runId);
  started();
  const worker = await side.startWorker();
  await side.resume?.(runId);
  return worker;
}

/** Signals the run while no worker is up (a stateless side's worker is up: it only serves requests). */
async function release(side: BenchSide, runId: string): Promise<void> {
  await side.signal(runId);
  await side.awaitDispatchable?.(runId);
}
