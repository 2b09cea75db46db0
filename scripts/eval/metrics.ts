/**
 * Evaluation metrics. Detection: average precision at an IoU threshold with WIDER-style ignored faces.
 * Verification: accuracy, the best threshold, TAR at a FAR, and the false-accept curve the engine ships.
 */
import { type FarPoint, isMatch } from '../../functions/core/compare.ts';
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
export function farCurve(impostors: Float32Array | readonly number[], stepsPerDecade = 4): FarPoint[] {
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
