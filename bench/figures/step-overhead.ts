import type { BenchEngine } from '../harness/bench-driver.ts';
import { comparePerStep, type PerStepComparison } from '../harness/compare-per-step.ts';

/** A Ratchet step doing nothing against the engine's own SDK doing the same nothing, per step. */
export function measureStepOverhead(engine: BenchEngine): Promise<PerStepComparison> {
  const { runs, steps } = engine.scale.overhead;
  return comparePerStep(engine, 'steps', { kind: 'steps', steps }, runs);
}
