import type { BenchEngine } from '../harness/bench-driver.ts';
import { comparePerStep, type PerStepComparison } from '../harness/compare-per-step.ts';

/**
 * No-op steps with `nows` journaled reads of the time between each two (`ctx.now()` against the
 * engine's own deterministic clock), per step: what reading the time adds to a step.
 */
export function measureNowOverhead(engine: BenchEngine): Promise<PerStepComparison> {
  const { runs, steps, nows } = engine.scale.now;
  return comparePerStep(engine, 'now', { kind: 'now', steps, nows }, runs);
}
