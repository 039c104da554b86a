import type { BenchEngine } from '../harness/bench-driver.ts';
import { comparePerStep, type PerStepComparison } from '../harness/compare-per-step.ts';

/**
 * `ctx.llm.complete` against the same request made with the official `openai` client and journaled
 * by the engine directly, both against the zero-latency model server; timed request to request.
 */
export function measureCompletionOverhead(engine: BenchEngine): Promise<PerStepComparison> {
  const { runs, completions } = engine.scale.completions;
  return comparePerStep(engine, 'completions', { kind: 'completions', completions }, runs);
}
