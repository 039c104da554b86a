import type { PerStepComparison } from '../harness/compare-per-step.ts';
import type { RecoveryResult } from '../figures/recovery.ts';

export interface TargetCheck {
  figure: string;
  target: string;
  measured: string;
  met: boolean;
}

/**
 * The targets: Ratchet's overhead over the bare engine at most 5% on Temporal and Inngest,
 * at most 10% or 0.3 ms a step on Restate and the local driver (medians); recovery time growing no
 * worse than linearly with journaled steps.
 */
export function checkTargets(driver: string, figures: { step: PerStepComparison; completion: PerStepComparison; recovery: RecoveryResult }): TargetCheck[] {
  const strict = driver === 'temporal' || driver === 'inngest';
  const overhead = (figure: string, result: PerStepComparison): TargetCheck => {
    const percent = (result.ratio.median - 1) * 100;
    const measured = `${signed(percent, 1)}% (95% CI ${signed((result.ratio.low - 1) * 100, 1)}…${signed((result.ratio.high - 1) * 100, 1)}%), ${signed(result.overheadMs, 3)} ms`;
    return strict
      ? { figure, target: '≤ 5%', measured, met: percent <= 5 }
      : { figure, target: '≤ 10% or ≤ 0.3 ms', measured, met: percent <= 10 || result.overheadMs <= 0.3 };
  };
  const { growth } = figures.recovery;
  return [
    overhead('step overhead', figures.step),
    overhead('completion overhead', figures.completion),
    {
      figure: 'recovery growth',
      target: `T(${growth.lengthsRatio}× steps) ≤ ${growth.lengthsRatio}× T`,
      measured: `Ratchet ×${growth.ratchet.toFixed(2)}, bare ×${growth.bare.toFixed(2)}`,
      met: growth.ratchet <= growth.lengthsRatio,
    },
  ];
}

export function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}
