import type { BenchEngine } from '../harness/bench-driver.ts';
import { compareSides, type PerStepComparison } from '../harness/compare-per-step.ts';
import { newRunId } from '../harness/run-ids.ts';
import { probe } from '../harness/step-probe.ts';

/**
 * A run waiting for a signal, with its worker up: from sending the signal (the side's own client)
 * to the run's next step. Each run takes one step, then `rounds` times waits (untimed, until the
 * engine shows it waiting, nothing in flight) and is signalled.
 */
export function measureSignalLatency(engine: BenchEngine): Promise<PerStepComparison> {
  const { runs, rounds } = engine.scale.signal;
  return compareSides(engine, runs, async (side) => {
    const runId = newRunId('signal', side.label);
    await side.startRun(runId, { kind: 'recovery', steps: 1, rounds });
    await probe.until(runId, 1);
    const latencies: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await side.awaitWaiting(runId);
      const sentAt = performance.now();
      await side.signal(runId);
      latencies.push((await probe.until(runId, round + 2))[round + 1]! - sentAt);
    }
    await side.awaitCompleted(runId);
    probe.expectExactly(runId, 1 + rounds);
    return latencies;
  });
}
