/** Detection metrics: average precision at an IoU threshold with WIDER-style ignored faces. */
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
