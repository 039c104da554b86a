import type { PerStepComparison } from '../harness/compare-per-step.ts';
import type { RecoveryResult } from '../figures/recovery.ts';

export interface TargetCheck {
  figure: string;
  target: string;
  measured: string;
  met: boolean;
}

/** The figures that have targets; a run that left one out checks the others. */
export interface TargetedFigures {
  step?: PerStepComparison;
  completion?: PerStepComparison;
  now?: PerStepComparison;
  signal?: PerStepComparison;
  sleep?: PerStepComparison;
  recovery?: RecoveryResult;
}

/** At most `percent` over the bare engine (medians), or at most `ms` more where an absolute bound is given. */
interface Limit {
  percent: number;
  ms?: number;
}

/**
 * The targets: Ratchet's overhead over the bare engine at most 5% on Temporal and Inngest,
 * at most 10% or 0.3 ms a step on Restate and the local driver (medians), the same for a step with
 * reads of the time; a signal's latency and a sleep's (step to step) at most 10% or 5 ms over the bare
 * engine's; recovery time growing no worse than linearly with journaled steps.
 */
export function checkTargets(driver: string, figures: TargetedFigures): TargetCheck[] {
  const perStep: Limit = driver === 'temporal' || driver === 'inngest' ? { percent: 5 } : { percent: 10, ms: 0.3 };
  const latency: Limit = { percent: 10, ms: 5 };
  const checks: TargetCheck[] = [];
  if (figures.step) checks.push(within('step overhead', figures.step, perStep));
  if (figures.completion) checks.push(within('completion overhead', figures.completion, perStep));
  if (figures.now) checks.push(within('now overhead', figures.now, perStep));
  if (figures.signal) checks.push(within('signal latency', figures.signal, latency));
  if (figures.sleep) checks.push(within('sleep latency', figures.sleep, latency));
  if (figures.recovery) {
    const { growth } = figures.recovery;
    checks.push({
      figure: 'recovery growth',
      target: `T(${growth.lengthsRatio}× steps) ≤ ${growth.lengthsRatio}× T`,
      measured: `Ratchet ×${growth.ratchet.toFixed(2)}, bare ×${growth.bare.toFixed(2)}`,
      met: growth.ratchet <= growth.lengthsRatio,
    });
  }
  return checks;
}

function within(figure: string, result: PerStepComparison, limit: Limit): TargetCheck {
  const percent = (result.ratio.median - 1) * 100;
  const measured = `${signed(percent, 1)}% (95% CI ${signed((result.ratio.low - 1) * 100, 1)}…${signed((result.ratio.high - 1) * 100, 1)}%), ${signed(result.overheadMs, 3)} ms`;
  return {
    figure,
    target: limit.ms === undefined ? `≤ ${limit.percent}%` : `≤ ${limit.percent}% or ≤ ${limit.ms} ms`,
    measured,
    met: percent <= limit.percent || (limit.ms !== undefined && result.overheadMs <= limit.ms),
  };
}

export function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}
