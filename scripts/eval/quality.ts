/**
 * Face quality's protocol: fit the score on the training pairs' same-person comparisons, and measure
 * it by its error-versus-reject curve (ERC): reject the share of same-person pairs whose worse face
 * scores lowest, and see how many false non-matches go with them. Pure functions.
 */
import {
  type EmbeddedSignals,
  qualityScore,
  type ScoreModel,
  type Signal,
  standardised,
} from '../../functions/core/face-quality.ts';

/** A same-person training pair: both faces' signals, and whether it failed at each threshold tried. */
export interface TrainingPair {
  a: EmbeddedSignals;
  b: EmbeddedSignals;
  failed: boolean[];
}

/**
 * The logistic model of "this pair fails" whose log-odds are the larger of its two faces' (smoothed by
 * log-sum-exp): ranking pairs by their worse face, as the ERC does, is what it is fitted for. Signals
 * are standardised (a signal a face lacks counts as its mean); L2-regularised; Adam on the full batch,
 * deterministic.
 */
export function fitQuality(
  pairs: readonly TrainingPair[],
  signals: readonly Signal[],
  { l2 = 0.01, iterations = 2000 } = {},
): ScoreModel {
  const rows = pairs.flatMap((p) => [p.a, p.b]);
  const columns = signals.map((s) => rows.flatMap((r) => r[s as keyof EmbeddedSignals] ?? []));
  const mean = columns.map((values) => values.reduce((sum, x) => sum + x, 0) / values.length);
  const scale = columns.map(
    (values, k) =>
      Math.sqrt(values.reduce((sum, x) => sum + (x - (mean[k] as number)) ** 2, 0) / values.length) || 1,
  );
  const z = (r: EmbeddedSignals) => standardised(r, { signals: [...signals], mean, scale });
  const samples = pairs.flatMap((p) =>
    p.failed.map((failed) => ({ a: z(p.a), b: z(p.b), y: failed ? 1 : 0 })),
  );
  const d = signals.length + 1; // the weights, then the bias
  const theta = new Array<number>(d).fill(0);
  const m = new Array<number>(d).fill(0);
  const v = new Array<number>(d).fill(0);
  const logit = (x: number[]) =>
    x.reduce((sum, xi, k) => sum + xi * (theta[k] as number), theta[d - 1] as number);
  for (let t = 1; t <= iterations; t++) {
    const grad = new Array<number>(d).fill(0);
    for (const { a, b, y } of samples) {
      const [sa, sb] = [logit(a), logit(b)];
      const top = Math.max(sa, sb);
      const [ea, eb] = [Math.exp(sa - top), Math.exp(sb - top)];
      const lse = top + Math.log(ea + eb);
      const error = 1 / (1 + Math.exp(-lse)) - y;
      const [wa, wb] = [ea / (ea + eb), eb / (ea + eb)];
      for (let k = 0; k < d - 1; k++)
        grad[k] = (grad[k] as number) + error * (wa * (a[k] as number) + wb * (b[k] as number));
      grad[d - 1] = (grad[d - 1] as number) + error;
    }
    for (let k = 0; k < d; k++) {
      const g = (grad[k] as number) / samples.length + (k < d - 1 ? l2 * (theta[k] as number) : 0);
      m[k] = 0.9 * (m[k] as number) + 0.1 * g;
      v[k] = 0.999 * (v[k] as number) + 0.001 * g * g;
      const step =
        (0.05 * ((m[k] as number) / (1 - 0.9 ** t))) /
        (Math.sqrt((v[k] as number) / (1 - 0.999 ** t)) + 1e-8);
      theta[k] = (theta[k] as number) - step;
    }
  }
  const round = (x: number) => Number(x.toPrecision(5));
  return {
    signals: [...signals],
    mean: mean.map(round),
    scale: scale.map(round),
    weights: theta.slice(0, -1).map(round),
    bias: round(theta[d - 1] as number),
  };
}

/** The score below which the lowest `share` of the pairs fall, ranked by their worse face. */
export function poorCut(
  model: ScoreModel,
  pairs: readonly Pick<TrainingPair, 'a' | 'b'>[],
  share: number,
): number {
  const worse = pairs
    .map((p) => Math.min(qualityScore(p.a, model), qualityScore(p.b, model)))
    .sort((x, y) => x - y);
  return Number((worse[Math.floor(share * worse.length)] ?? Number.NaN).toPrecision(4));
}

/** One same-person comparison: its similarity, the threshold it is decided at, its worse face's quality. */
export interface Comparison {
  similarity: number;
  threshold: number;
  quality: number;
}

export interface ErcPoint {
  /** The share of same-person pairs rejected (the lowest quality first). */
  rejected: number;
  /** False non-match rate of the pairs kept. */
  fnmr: number;
  /** The share of the false non-matches at 0 % that went with the rejected pairs. */
  removed: number;
  /** The same for the best possible order (every false non-match rejected first). */
  oracleRemoved: number;
  oracleFnmr: number;
}

/** The error-versus-reject curve at these rejected shares. Ties in quality keep the input order. */
export function errorVersusReject(comparisons: readonly Comparison[], shares: readonly number[]): ErcPoint[] {
  const ranked = comparisons
    .map((c, i) => ({ ...c, i }))
    .sort((x, y) => x.quality - y.quality || x.i - y.i)
    .map((c) => c.similarity < c.threshold);
  const total = ranked.filter(Boolean).length;
  return shares.map((rejected) => {
    const k = Math.round(rejected * ranked.length);
    const kept = ranked.length - k;
    const left = ranked.slice(k).filter(Boolean).length;
    const oracleLeft = Math.max(0, total - k);
    return {
      rejected,
      fnmr: kept ? left / kept : 0,
      removed: total ? (total - left) / total : 0,
      oracleRemoved: total ? (total - oracleLeft) / total : 0,
      oracleFnmr: kept ? oracleLeft / kept : 0,
    };
  });
}

/**
 * The rejected share, of `shares`, at which the ERC gains most over a random rejection (which removes
 * as many false non-matches as the share it rejects): the largest `removed − rejected`, the smaller
 * share on a tie (refusing fewer faces for the same gain).
 */
export function bestRejectShare(comparisons: readonly Comparison[], shares: readonly number[]): number {
  const erc = errorVersusReject(comparisons, shares);
  let best = erc[0] as ErcPoint;
  for (const point of erc) if (point.removed - point.rejected > best.removed - best.rejected) best = point;
  return best.rejected;
}
