/**
 * Evaluation metrics. Detection: average precision at an IoU threshold with WIDER-style ignored faces.
 * Verification: accuracy, the best threshold, TAR at a FAR, and the false-accept curve the engine ships.
 */
import { type FarPoint, isMatch, SIMILARITY_RANGE } from '../../functions/core/compare.ts';
import { iou } from '../../functions/core/geometry.ts';
import type { Box } from '../../functions/core/types.ts';
import type { GroundTruthFace } from './datasets.ts';

export interface Detection {
  box: Box;
  score: number;
}

export interface ImageResult {
  truth: GroundTruthFace[];
  detections: Detection[];
}

interface Scored {
  score: number;
  truePositive: boolean;
}

/**
 * Matches one image's detections (highest score first) to its faces. Faces smaller than `minSize`
 * (height, px) or marked invalid are ignored: a detection on one counts neither way.
 */
export function matchImage(
  image: ImageResult,
  minSize: number,
  iouThreshold = 0.5,
): { scored: Scored[]; positives: number } {
  const counted = image.truth.map((f) => !f.invalid && f.box.height >= minSize);
  const taken = new Array<boolean>(image.truth.length).fill(false);
  const scored: Scored[] = [];
  for (const d of [...image.detections].sort((p, q) => q.score - p.score)) {
    let best = -1;
    let bestIou = iouThreshold;
    image.truth.forEach((f, i) => {
      const overlap = iou(d.box, f.box);
      if (!taken[i] && counted[i] && overlap >= bestIou) {
        best = i;
        bestIou = overlap;
      }
    });
    if (best >= 0) {
      taken[best] = true;
      scored.push({ score: d.score, truePositive: true });
    } else if (!image.truth.some((f, i) => !counted[i] && iou(d.box, f.box) >= iouThreshold)) {
      scored.push({ score: d.score, truePositive: false });
    }
  }
  return { scored, positives: counted.filter(Boolean).length };
}

/** Average precision (all-point interpolated, as VOC 2010+ and WIDER's evaluation). */
export function averagePrecision(
  images: readonly ImageResult[],
  minSize: number,
  iouThreshold = 0.5,
): number {
  const all: Scored[] = [];
  let positives = 0;
  for (const image of images) {
    const m = matchImage(image, minSize, iouThreshold);
    all.push(...m.scored);
    positives += m.positives;
  }
  if (positives === 0) return Number.NaN;
  all.sort((p, q) => q.score - p.score);
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  all.forEach((s, i) => {
    if (s.truePositive) tp += 1;
    precision.push(tp / (i + 1));
    recall.push(tp / positives);
  });
  for (let i = precision.length - 2; i >= 0; i--) {
    precision[i] = Math.max(precision[i] as number, precision[i + 1] as number);
  }
  let ap = 0;
  let lastRecall = 0;
  recall.forEach((r, i) => {
    ap += (r - lastRecall) * (precision[i] as number);
    lastRecall = r;
  });
  return ap;
}

export interface LabelledScore {
  similarity: number;
  same: boolean;
}

export function accuracy(scores: readonly LabelledScore[], threshold: number): number {
  if (scores.length === 0) return 0;
  return scores.filter((s) => isMatch(s.similarity, threshold) === s.same).length / scores.length;
}

/**
 * The threshold with the best accuracy on the pairs: the midpoint between the two neighbouring
 * similarities where accuracy peaks (the widest margin among equally good cuts is not chased).
 */
export function fitThreshold(scores: readonly LabelledScore[]): { threshold: number; accuracy: number } {
  if (scores.length === 0) throw new RangeError('fitThreshold needs labelled pairs');
  const sorted = [...scores].sort((p, q) => p.similarity - q.similarity);
  // Cut below everything: all pairs called "same".
  let correct = sorted.filter((s) => s.same).length;
  let best = { correct, index: 0 };
  for (let i = 0; i < sorted.length; i++) {
    // Moving the cut above sorted[i] flips it to "different".
    correct += (sorted[i] as LabelledScore).same ? -1 : 1;
    const nextDiffers =
      i + 1 === sorted.length ||
      (sorted[i + 1] as LabelledScore).similarity !== (sorted[i] as LabelledScore).similarity;
    if (nextDiffers && correct > best.correct) best = { correct, index: i + 1 };
  }
  const below = sorted[best.index - 1]?.similarity;
  const above = sorted[best.index]?.similarity;
  const threshold =
    below === undefined ? (above as number) - 1e-6 : above === undefined ? below + 1e-6 : (below + above) / 2;
  return { threshold, accuracy: best.correct / sorted.length };
}

/**
 * True-accept rate at a false-accept rate: the threshold is the smallest one that accepts at most
 * `far` of the different-person pairs.
 */
export function tarAtFar(scores: readonly LabelledScore[], far: number): { tar: number; threshold: number } {
  return tarAtFarOf(
    scores.filter((s) => s.same).map((s) => s.similarity),
    scores.filter((s) => !s.same).map((s) => s.similarity),
    far,
  );
}

/** tarAtFar for genuine and impostor similarities given apart (impostors may be millions). */
export function tarAtFarOf(
  genuine: readonly number[],
  impostors: Float32Array | readonly number[],
  far: number,
): { tar: number; threshold: number } {
  if (impostors.length === 0 || genuine.length === 0)
    throw new RangeError('tarAtFar needs both kinds of pairs');
  const sorted = Float64Array.from(impostors).sort().reverse();
  const allowed = Math.floor(far * sorted.length);
  // Accept strictly above the (allowed+1)-th highest impostor score.
  const threshold = (sorted[allowed] as number) + 1e-9;
  return { tar: genuine.filter((g) => g >= threshold).length / genuine.length, threshold };
}

/** Area under the ROC curve: the chance a random same-person pair outscores a random different one (ties half). */
export function auc(scores: readonly LabelledScore[]): number {
  const genuine = Float64Array.from(scores.filter((s) => s.same).map((s) => s.similarity)).sort();
  const impostors = Float64Array.from(scores.filter((s) => !s.same).map((s) => s.similarity)).sort();
  if (genuine.length === 0 || impostors.length === 0) throw new RangeError('auc needs both kinds of pairs');
  let below = 0;
  let tied = 0;
  let total = 0;
  for (const g of genuine) {
    while (below < impostors.length && (impostors[below] as number) < g) below++;
    tied = below;
    while (tied < impostors.length && impostors[tied] === g) tied++;
    total += below + (tied - below) / 2;
  }
  return total / (genuine.length * impostors.length);
}

/**
 * The false-accept curve of impostor similarities: the similarity at which a share 10^(−k/steps) of
 * impostors score at or above it, for k = 0, 1, … down to the rarest share the sample can show
 * (one pair in `impostors.length`). Similarity ascending, far descending, as estimateFar reads it.
 */
export function farCurve(impostors: ArrayLike<number>, stepsPerDecade = 4): FarPoint[] {
  const sorted = Float64Array.from(impostors).sort().reverse();
  if (sorted.length === 0) throw new RangeError('farCurve needs impostor similarities');
  const curve: FarPoint[] = [];
  for (let k = 0; ; k++) {
    let count = Math.round(10 ** (-k / stepsPerDecade) * sorted.length);
    if (count < 1) break;
    const similarity = sorted[count - 1] as number;
    // Every impostor tied with the cut scores as high, so it counts: the share is never understated.
    while (sorted[count] === similarity) count++;
    const last = curve[curve.length - 1];
    if (!last || similarity > last.similarity) curve.push({ similarity, far: count / sorted.length });
  }
  return curve;
}

/**
 * The standard normal's upper quantile: the z with P(Z ≥ z) = p, for 0 < p < 1 (Acklam's rational
 * approximation, relative error below 1.2e-9).
 */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a probability in (0, 1), not ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((sum, coefficient) => sum * x + coefficient, 0);
  const lower = 1 - p;
  const tail = (q: number) => poly(c, q) / (poly(d, q) * q + 1);
  let x: number;
  if (lower < 0.02425) x = tail(Math.sqrt(-2 * Math.log(lower)));
  else if (lower > 1 - 0.02425) x = -tail(Math.sqrt(-2 * Math.log(p)));
  else {
    const q = lower - 0.5;
    const r = q * q;
    x = (poly(a, r) * q) / (poly(b, r) * r + 1);
  }
  return x;
}

/**
 * How a tail model straightens a false-accept curve: under it, this scale of the rate grows linearly
 * with the similarity. `exponential`: −ln far (the peaks-over-threshold default); `gaussian`: the
 * normal quantile of far (a lighter tail).
 */
export const TAIL_MODELS = {
  exponential: (far: number) => -Math.log(far),
  gaussian: normalUpperQuantile,
} as const;

export type TailModel = keyof typeof TAIL_MODELS;

export interface TailOptions {
  model: TailModel;
  /** The model's slope is fitted on the sample's curve points from this rate… */
  fitFrom: number;
  /** …down to this one, the last point taken from the sample, where the tail starts. */
  anchor: number;
  /** The tail's points run down to this rate. */
  rarest: number;
  stepsPerDecade?: number;
}

/**
 * A false-accept curve with a smooth tail: the sample's own curve (farCurve) down to `anchor`, where
 * thousands of impostors still score above, then the model's points down to `rarest`: the scale of
 * the rate (TAIL_MODELS) linear in the similarity, its slope fitted by least squares on the sample's
 * points between `fitFrom` and `anchor` and its line through the anchor point. Beyond `anchor` the
 * sample's rare impostors (a handful of pairs, or one person filed under two names) no longer bend the
 * curve. A sample too small to reach `anchor` gives its own curve.
 */
export function farCurveWithTail(impostors: ArrayLike<number>, options: TailOptions): FarPoint[] {
  const steps = options.stepsPerDecade ?? 4;
  const sample = farCurve(impostors, steps);
  // The sample's points lie near 10^(−k/steps) (a share of whole pairs): within half a step counts.
  const halfStep = 10 ** (0.5 / steps);
  const head = sample.filter((p) => p.far >= options.anchor / halfStep);
  const fitted = head.filter((p) => p.far <= options.fitFrom * halfStep);
  const last = head[head.length - 1] as FarPoint;
  // A sample too small to reach the anchor (a --limit run) keeps its own curve.
  if (last.far > options.anchor * halfStep || fitted.length < 2) return sample;
  const scale = TAIL_MODELS[options.model];
  const xs = fitted.map((p) => scale(p.far));
  const ys = fitted.map((p) => p.similarity);
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] as number) - my);
    sxx += (x - mx) ** 2;
  });
  const slope = sxy / sxx;
  if (!(slope > 0)) throw new RangeError('farCurveWithTail: the sample does not fall with the similarity');
  const tail: FarPoint[] = [];
  const firstK = Math.round(-Math.log10(last.far) * steps) + 1;
  for (let k = firstK; 10 ** (-k / steps) >= options.rarest * (1 - 1e-9); k++) {
    const far = 10 ** (-k / steps);
    const similarity = last.similarity + slope * (scale(far) - scale(last.far));
    // A cosine is at most 1: the model's rates beyond it are never read.
    if (similarity > SIMILARITY_RANGE.max) break;
    tail.push({ similarity, far });
  }
  return [...head, ...tail];
}
