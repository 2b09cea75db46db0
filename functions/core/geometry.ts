/** Pure 2-D geometry for detection post-processing and face alignment. Coordinates are image pixels. */

import type { Box, Face, Point } from './types.ts';

/** x' = a·x + b·y + tx, y' = c·x + d·y + ty */
export type Affine = [a: number, b: number, tx: number, c: number, d: number, ty: number];

export interface ScoredBox {
  box: Box;
  score: number;
}

/** A raw detection: a box, its score and (optionally) keypoints that are blended along with the box. */
export interface Candidate extends ScoredBox {
  points?: Point[];
}

export function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

function intersection(a: Box, b: Box): number {
  const overlapW = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const overlapH = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return overlapW <= 0 || overlapH <= 0 ? 0 : overlapW * overlapH;
}

export function iou(a: Box, b: Box): number {
  const shared = intersection(a, b);
  return shared === 0 ? 0 : shared / (boxArea(a) + boxArea(b) - shared);
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other (MTCNN's "Min"). */
export function intersectionOverMin(a: Box, b: Box): number {
  const shared = intersection(a, b);
  return shared === 0 ? 0 : shared / Math.min(boxArea(a), boxArea(b));
}

/** How much two boxes overlap, from 0 to 1: iou, or intersectionOverMin. */
export type Overlap = (a: Box, b: Box) => number;

/**
 * Greedy NMS that also reports what each kept box suppressed. Returns one cluster per kept candidate,
 * highest score first; a cluster is [keptIndex, ...indices it suppressed (overlap > iouThreshold)].
 */
export function nmsClusters(
  candidates: readonly ScoredBox[],
  iouThreshold: number,
  maxOutput = Infinity,
  overlap: Overlap = iou,
): number[][] {
  const ranked = candidates
    .map(({ box, score }, index) => ({ box, score, index }))
    .sort((p, q) => q.score - p.score);
  const suppressed = new Uint8Array(ranked.length);
  const clusters: number[][] = [];
  for (const [r, seed] of ranked.entries()) {
    if (clusters.length >= maxOutput) break;
    if (suppressed[r]) continue;
    const cluster = [seed.index];
    for (let s = r + 1; s < ranked.length; s++) {
      const other = ranked[s] as (typeof ranked)[number];
      if (!suppressed[s] && overlap(seed.box, other.box) > iouThreshold) {
        suppressed[s] = 1;
        cluster.push(other.index);
      }
    }
    clusters.push(cluster);
  }
  return clusters;
}

/** Indices of the candidates kept by greedy non-maximum suppression, highest score first. */
export function nonMaxSuppression(
  candidates: readonly ScoredBox[],
  iouThreshold: number,
  maxOutput = Infinity,
  overlap: Overlap = iou,
): number[] {
  return nmsClusters(candidates, iouThreshold, maxOutput, overlap).map((cluster) => cluster[0] as number);
}

/**
 * BlazeFace-style weighted NMS: each kept detection's box and points become the score-weighted mean
 * of its cluster, which steadies them; the score stays the best one's.
 */
export function weightedNonMaxSuppression(
  candidates: readonly Candidate[],
  iouThreshold: number,
  maxOutput = Infinity,
): Candidate[] {
  return nmsClusters(candidates, iouThreshold, maxOutput).map((cluster) => {
    const members = cluster.map((i) => candidates[i] as Candidate);
    const seed = members[0] as Candidate;
    const totalScore = members.reduce((sum, m) => sum + m.score, 0);
    const mean = (value: (m: Candidate) => number) =>
      members.reduce((sum, m) => sum + value(m) * m.score, 0) / totalScore;
    const blended: Candidate = {
      box: {
        x: mean((m) => m.box.x),
        y: mean((m) => m.box.y),
        width: mean((m) => m.box.width),
        height: mean((m) => m.box.height),
      },
      score: seed.score,
    };
    if (seed.points) {
      blended.points = seed.points.map((_, k) => [
        mean((m) => pointOf(m, k)[0]),
        mean((m) => pointOf(m, k)[1]),
      ]);
    }
    return blended;
  });
}

/**
 * Least-squares similarity (rotation, uniform scale, translation) mapping src onto dst: Umeyama (1991).
 * In 2-D the linear part of a similarity is [[a, -b], [b, a]], so the fit is linear in (a, b) and has
 * this closed form; it is Umeyama's solution with the reflection guard, because no (a, b) can mirror.
 */
export function similarityTransform(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) {
    throw new RangeError(
      `similarityTransform needs two equal lists of ≥ 2 points, got ${src.length} and ${dst.length}`,
    );
  }
  const [sx, sy] = centroid(src);
  const [dx, dy] = centroid(dst);
  let dot = 0; // Σ u·v
  let cross = 0; // Σ u×v
  let norm = 0; // Σ |u|²
  for (let i = 0; i < src.length; i++) {
    const ux = (src[i] as Point)[0] - sx;
    const uy = (src[i] as Point)[1] - sy;
    const vx = (dst[i] as Point)[0] - dx;
    const vy = (dst[i] as Point)[1] - dy;
    dot += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    norm += ux * ux + uy * uy;
  }
  if (norm === 0) throw new RangeError('similarityTransform: the source points all coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, dx - a * sx + b * sy, b, a, dy - b * sx - a * sy];
}

export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine([a, b, tx, c, d, ty]: Affine): Affine {
  const det = a * d - b * c;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError('invertAffine: the transform is singular');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Turning a width × height image by `degrees` (clockwise on screen, y pointing down) about its centre
 * and scaling it: the transform from its pixels to those of the smallest canvas that holds it all.
 */
export function rotationOnto(
  width: number,
  height: number,
  degrees: number,
  scale = 1,
): { transform: Affine; width: number; height: number } {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t) * scale;
  const sin = Math.sin(t) * scale;
  // Less a rounding error, so a quarter turn of w × h is exactly h × w.
  const outWidth = Math.ceil(Math.abs(width * cos) + Math.abs(height * sin) - 1e-9);
  const outHeight = Math.ceil(Math.abs(width * sin) + Math.abs(height * cos) - 1e-9);
  // Pixel centres: the image's centre is ((w − 1) / 2, (h − 1) / 2), as in align.ts's convention.
  const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
  const [ox, oy] = [(outWidth - 1) / 2, (outHeight - 1) / 2];
  return {
    transform: [cos, -sin, ox - cos * cx + sin * cy, sin, cos, oy - sin * cx - cos * cy],
    width: outWidth,
    height: outHeight,
  };
}

/**
 * A face found in a transformed copy of an image (a similarity `toImage` maps the copy's pixels back),
 * in the image's own pixels: landmarks mapped, the box kept square to the image around its mapped
 * centre, clipped to the image.
 */
export function faceBack(face: Face, toImage: Affine, width: number, height: number): Face {
  const { box, landmarks } = face;
  const scale = Math.hypot(toImage[0], toImage[3]);
  const [cx, cy] = applyAffine(toImage, [box.x + box.width / 2, box.y + box.height / 2]);
  const [w, h] = [box.width * scale, box.height * scale];
  const back = (p: Point) => applyAffine(toImage, p);
  return {
    ...face,
    box: clipBox({ x: cx - w / 2, y: cy - h / 2, width: w, height: h }, width, height),
    landmarks: {
      leftEye: back(landmarks.leftEye),
      rightEye: back(landmarks.rightEye),
      nose: back(landmarks.nose),
      mouthLeft: back(landmarks.mouthLeft),
      mouthRight: back(landmarks.mouthRight),
    },
  };
}

/** The part of the box inside a width × height image (zero-sized when they do not overlap). */
export function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.min(Math.max(box.x, 0), width);
  const y = Math.min(Math.max(box.y, 0), height);
  const right = Math.min(Math.max(box.x + box.width, x), width);
  const bottom = Math.min(Math.max(box.y + box.height, y), height);
  return { x, y, width: right - x, height: bottom - y };
}

/** A new array, largest box first; equal areas keep their order. */
export function sortLargestFirst<T extends { box: Box }>(faces: readonly T[]): T[] {
  return [...faces].sort((p, q) => boxArea(q.box) - boxArea(p.box));
}

/** Whether a box reaches the photo's edge (within a pixel), so the face in it may be cut off. */
export function touchesEdge(box: Box, width: number, height: number): boolean {
  return box.x <= 1 || box.y <= 1 || box.x + box.width >= width - 1 || box.y + box.height >= height - 1;
}

/**
 * A whole face yields to no edge-cut one unless it is under this share of the cut one's area. On LFW
 * View 1 DevTrain a neighbour cut by the edge looked larger than the centred subject 0.79–0.98 times
 * the subject's area; on CFP folds 6–8 the whole faces beside a cut close-up were ≤ 0.41 of it.
 */
const WHOLE_FACE_SHARE = 0.5;

/**
 * The face a photo is of, from faces sorted largest first: the largest, unless it is cut by the
 * photo's edge and a whole face at least WHOLE_FACE_SHARE of its area is there too.
 */
export function subjectFace<T extends { box: Box }>(
  faces: readonly T[],
  width: number,
  height: number,
): T | undefined {
  const [largest] = faces;
  if (!largest || !touchesEdge(largest.box, width, height)) return largest;
  const whole = faces.find((f) => !touchesEdge(f.box, width, height));
  return whole && boxArea(whole.box) >= WHOLE_FACE_SHARE * boxArea(largest.box) ? whole : largest;
}

function centroid(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const [px, py] of points) {
    x += px;
    y += py;
  }
  return [x / points.length, y / points.length];
}

function pointOf(candidate: Candidate, k: number): Point {
  const point = candidate.points?.[k];
  if (!point) {
    throw new RangeError('weightedNonMaxSuppression: candidates in a cluster have different point counts');
  }
  return point;
}
