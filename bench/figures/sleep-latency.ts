import type { BenchEngine } from '../harness/bench-driver.ts';
import { comparePerStep, type PerStepComparison } from '../harness/compare-per-step.ts';

/**
 * A durable sleep between two no-op steps, with the worker up, timed from one step to the next: that
 * less the requested duration is how late the run woke (plus one step's round trip). The ratio is of
 * the whole time, which stays positive where an engine wakes a run early.
 */
export function measureSleepLatency(engine: BenchEngine): Promise<PerStepComparison> {
  const { runs, sleeps, ms } = engine.scale.sleep;
  return comparePerStep(engine, 'sleep', { kind: 'sleep', sleeps, ms }, runs);
}
