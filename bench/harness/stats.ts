/** Median and 95th percentile of a set of samples (nearest rank on the sorted samples). */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, median: percentile(sorted, 50), p95: percentile(sorted, 95), min: sorted[0]!, max: sorted.at(-1)! };
}

/** Nearest-rank percentile of ascending `sorted`: the smallest sample with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Least-squares slope and intercept of y over x. */
export function linearFit(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  const slope = covariance / variance;
  return { slope, intercept: meanY - slope * meanX };
}

/** A ratio of medians with a 95% bootstrap interval: how far the noise lets the ratio be trusted. */
export interface RatioEstimate {
  median: number;
  low: number;
  high: number;
}

/** Two sets of samples side by side: summaries and the ratio of their medians. */
export interface SideComparison {
  ratchet: Summary;
  bare: Summary;
  /** ratchet / bare medians, with a 95% bootstrap interval. */
  ratio: RatioEstimate;
}

export function compareSummaries(ratchet: readonly number[], bare: readonly number[]): SideComparison {
  return { ratchet: summarize(ratchet), bare: summarize(bare), ratio: bootstrapRatio(ratchet, bare) };
}

/**
 * median(a) / median(b), and the 2.5th and 97.5th percentiles of that ratio over `iterations`
 * resamplings (with replacement) of both sets. Seeded, so a rerun on the same samples agrees.
 */
export function bootstrapRatio(a: readonly number[], b: readonly number[], iterations = 1_000): RatioEstimate {
  const random = mulberry32(0x5eed);
  const resampledMedian = (samples: readonly number[]) => {
    const drawn = Array.from({ length: samples.length }, () => samples[Math.floor(random() * samples.length)]!);
    return percentile(drawn.sort((x, y) => x - y), 50);
  };
  const ratios = Array.from({ length: iterations }, () => resampledMedian(a) / resampledMedian(b)).sort((x, y) => x - y);
  return { median: summarize(a).median / summarize(b).median, low: percentile(ratios, 2.5), high: percentile(ratios, 97.5) };
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
