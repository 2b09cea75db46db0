/**
 * Face detectors (RetinaFace, MediaPipe's BlazeFace family, face-api's SSD): decoding and views.
 *
 * A photo is seen through several square views: the whole image letterboxed into the model input,
 * then, for large photos, overlapping tiles, so a 30 px face in a 2,000 px photo is still 15–30 px in
 * the model's input. Detections from every view are merged with weighted NMS.
 */
import type * as ort from 'onnxruntime-node';
import { type Candidate, clipBox, sortLargestFirst, weightedNonMaxSuppression } from './geometry.ts';
import { type LoadedModel, toInputTensor } from './models.ts';
import { copySquare, scaleImage, squareCrop } from './resample.ts';
import type { Box, DetectOptions, Face, Landmarks, Point, RgbImage } from './types.ts';

export interface AnchorLayer {
  stride: number;
  perCell: number;
}

/** Anchor centres in input pixels, layer by layer, row-major, `perCell` repeats per cell. */
export function anchorCentres(inputSize: number, layers: readonly AnchorLayer[]): Point[] {
  const centres: Point[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(inputSize / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) centres.push([(x + 0.5) * stride, (y + 0.5) * stride]);
      }
    }
  }
  return centres;
}

/** MediaPipe's six keypoints; "right" is the subject's right, which is the image's left. */
const KEYPOINTS = 6;
const REGRESSORS = 4 + 2 * KEYPOINTS;

/**
 * Decodes raw anchor outputs: `logits[i]` and `regressors[i * 16 ...]` (dx, dy, w, h, then six
 * keypoints, in input pixels relative to anchor i's centre). Keeps candidates scoring ≥ minScore.
 */
export function decodeAnchors(
  logits: ArrayLike<number>,
  regressors: ArrayLike<number>,
  anchors: readonly Point[],
  minScore: number,
): Candidate[] {
  const minLogit = Math.log(minScore / (1 - minScore));
  const out: Candidate[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const logit = logits[i] as number;
    if (!(logit >= minLogit)) continue;
    const [ax, ay] = anchors[i] as Point;
    const r = i * REGRESSORS;
    const at = (k: number) => regressors[r + k] as number;
    const width = at(2);
    const height = at(3);
    const points: Point[] = [];
    for (let k = 0; k < KEYPOINTS; k++) points.push([ax + at(4 + 2 * k), ay + at(5 + 2 * k)]);
    out.push({
      box: { x: ax + at(0) - width / 2, y: ay + at(1) - height / 2, width, height },
      score: 1 / (1 + Math.exp(-logit)),
      points,
    });
  }
  return out;
}

/** A square region of the photo seen by the model, and which of its edges are the photo's own. */
export interface View {
  x: number;
  y: number;
  size: number;
  /** Tiles drop detections cut by an inner edge, and faces too large for them. */
  tile: boolean;
}

export interface ViewPlan {
  tileSize: number;
  /** Also look at the photo zoomed out twice, for detectors that miss faces filling the frame. */
  zoomOut: boolean;
}

/**
 * The whole photo (as a square around it), then tiles of `tileSize` with ≥ 25 % overlap when the
 * photo is more than 1.5 tiles wide or tall.
 */
export function planViews(width: number, height: number, { tileSize, zoomOut }: ViewPlan): View[] {
  const side = Math.max(width, height);
  const views: View[] = [{ x: (width - side) / 2, y: (height - side) / 2, size: side, tile: false }];
  // Close-up faces (selfies, ID photos) zoomed out look like the mid-range faces MediaPipe scores best.
  if (zoomOut) views.push({ x: width / 2 - side, y: height / 2 - side, size: 2 * side, tile: false });
  if (side < tileSize * 1.5) return views;
  const starts = (length: number): number[] => {
    if (length <= tileSize) return [(length - tileSize) / 2];
    const count = Math.ceil((length - tileSize) / (tileSize * 0.75)) + 1;
    const step = (length - tileSize) / (count - 1);
    return Array.from({ length: count }, (_, i) => i * step);
  };
  for (const y of starts(height)) {
    for (const x of starts(width)) views.push({ x, y, size: tileSize, tile: true });
  }
  return views;
}

/** A tile's detection is kept when it is whole (not cut by an inner tile edge) and small for the tile. */
export function keepInTile(box: Box, view: View, width: number, height: number): boolean {
  if (!view.tile) return true;
  const margin = view.size * 0.02;
  const cutLeft = view.x > 0 && box.x < view.x + margin;
  const cutTop = view.y > 0 && box.y < view.y + margin;
  const cutRight = view.x + view.size < width && box.x + box.width > view.x + view.size - margin;
  const cutBottom = view.y + view.size < height && box.y + box.height > view.y + view.size - margin;
  return !(cutLeft || cutTop || cutRight || cutBottom) && Math.max(box.width, box.height) < view.size / 3;
}

/** Five landmarks from MediaPipe's six keypoints; mouth corners are placed on the eye line's direction. */
export function landmarksFromKeypoints(points: readonly Point[]): Landmarks {
  const [leftEye, rightEye, nose, mouth] = points as [Point, Point, Point, Point];
  // InsightFace's template puts the mouth corners 0.414 eye-distances either side of the mouth centre.
  const half: Point = [(rightEye[0] - leftEye[0]) * 0.414, (rightEye[1] - leftEye[1]) * 0.414];
  return {
    leftEye,
    rightEye,
    nose,
    mouthLeft: [mouth[0] - half[0], mouth[1] - half[1]],
    mouthRight: [mouth[0] + half[0], mouth[1] + half[1]],
  };
}

function mapCandidate(c: Candidate, view: View, inputSize: number): Candidate {
  const s = view.size / inputSize;
  const point = ([x, y]: Point): Point => [view.x + x * s, view.y + y * s];
  return {
    score: c.score,
    box: {
      x: view.x + c.box.x * s,
      y: view.y + c.box.y * s,
      width: c.box.width * s,
      height: c.box.height * s,
    },
    points: c.points?.map(point),
  };
}

export interface DetectorOptions extends Required<DetectOptions> {
  /** Look through tiles too (finds small faces in large photos; costs a model run per tile). */
  tiles: boolean;
}

// False faces on the no-face photos score up to 0.65 (a galaxy in the Hubble deep field); every face
// of LFW and the deepface pairs scores ≥ 0.9.
export const DEFAULT_DETECT_OPTIONS: DetectorOptions = { minScore: 0.7, maxFaces: 100, tiles: true };

const NMS_IOU = 0.3;
/** Candidates down to this score join the weighted blend of a face's box and keypoints. */
const BLEND_FLOOR = 0.3;

/** One detection model: runs one square view (input pixels) and returns candidates in input pixels. */
export interface ViewModel {
  readonly name: string;
  readonly inputSize: number;
  /** Tiles are this many model inputs wide. */
  readonly tileScale: number;
  /** See ViewPlan. */
  readonly zoomOut: boolean;
  /** Candidates per view, for a batch of views. */
  run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]>;
  /** A merged candidate's five landmarks (before the landmark model refines them). */
  landmarks(candidate: Candidate): Landmarks;
}

/**
 * Views per model run: batching saves per-run overhead, but onnxruntime's arena grows with the batch
 * (one run of ~35 tiles took a process from 273 to 638 MB).
 */
const MAX_BATCH = 8;

/** Model runs of up to MAX_BATCH views where the batch is dynamic, else one run per view. */
async function runBatch(
  model: LoadedModel,
  batch: readonly Uint8Array[],
  decode: (result: ort.InferenceSession.OnnxValueMapType, index: number) => Candidate[],
): Promise<Candidate[][]> {
  const size = model.spec.input.shape[0] === -1 ? MAX_BATCH : 1;
  const out: Candidate[][] = [];
  for (let start = 0; start < batch.length; start += size) {
    const chunk = batch.slice(start, start + size);
    const result = await model.session.run({ input: toInputTensor(model.spec, chunk) });
    out.push(...chunk.map((_, i) => decode(result, i)));
  }
  return out;
}

/** Item `index` of a batched output. */
function item(tensor: ort.Tensor, index: number): Float32Array {
  const data = tensor.data as Float32Array;
  const size = data.length / (tensor.dims[0] as number);
  return data.subarray(index * size, (index + 1) * size);
}

/** MediaPipe BlazeFace family: anchors with box and six-keypoint regressors. */
export class BlazeFaceModel implements ViewModel {
  readonly name: string;
  readonly inputSize: number;
  readonly tileScale = 2;
  readonly zoomOut = true;
  private readonly anchors: Point[];
  private readonly outputs: { logits: string; regressors: string }[];

  constructor(private readonly model: LoadedModel) {
    const { spec } = model;
    this.name = spec.name;
    this.inputSize = spec.input.shape[1] as number;
    const details = spec.details as { anchors: AnchorLayer[]; outputPairs: [string, string][] };
    this.anchors = anchorCentres(this.inputSize, details.anchors);
    this.outputs = details.outputPairs.map(([logits, regressors]) => ({ logits, regressors }));
  }

  landmarks(candidate: Candidate): Landmarks {
    return landmarksFromKeypoints(candidate.points ?? []);
  }

  run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]> {
    return runBatch(this.model, batch, (result, index) => {
      let offset = 0;
      const out: Candidate[] = [];
      for (const { logits, regressors } of this.outputs) {
        const l = result[logits] as ort.Tensor;
        const count = l.dims[1] as number;
        const anchors = this.anchors.slice(offset, offset + count);
        out.push(
          ...decodeAnchors(item(l, index), item(result[regressors] as ort.Tensor, index), anchors, minScore),
        );
        offset += count;
      }
      return out;
    });
  }
}

/** SSD (face-api's MobileNetV1, trained on WIDER FACE): decoded boxes [ymin, xmin, ymax, xmax] in 0–1 and face scores. */
export class SsdModel implements ViewModel {
  readonly name: string;
  readonly inputSize: number;
  readonly tileScale = 1;
  readonly zoomOut = true;

  constructor(private readonly model: LoadedModel) {
    this.name = model.spec.name;
    this.inputSize = model.spec.input.shape[1] as number;
  }

  landmarks(candidate: Candidate): Landmarks {
    return landmarksFromBox(candidate.box);
  }

  run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]> {
    return runBatch(this.model, batch, (result, index) =>
      decodeSsd(
        item(result.boxes as ort.Tensor, index),
        item(result.scores as ort.Tensor, index),
        this.inputSize,
        minScore,
      ),
    );
  }
}

/** One RetinaFace head: its stride, its anchor sizes and the names of its outputs. */
export interface RetinaFaceLevel {
  stride: number;
  /** Anchor sizes (px, square) at every cell, in output channel order. */
  anchors: number[];
  outputs: { scores: string; boxes: string; landmarks: string };
}

/** One head's outputs for one image: NCHW planes over a `cells × cells` grid. */
export interface RetinaFaceOutputs {
  cells: number;
  /** 2 × anchors planes: every anchor's background probability, then every anchor's face probability. */
  scores: ArrayLike<number>;
  /** 4 planes per anchor: centre dx, dy, log width, log height, in units of the anchor size. */
  boxes: ArrayLike<number>;
  /** 10 planes per anchor: five landmarks x, y relative to the anchor centre, in units of its size. */
  landmarks: ArrayLike<number>;
}

/** InsightFace's anchors grow from a 16 px base box centred at 7.5 in inclusive pixel indices: 8 here. */
const ANCHOR_CENTRE = 8;

/** Decodes RetinaFace's heads (landmarks in LANDMARK_NAMES order), keeping candidates scoring ≥ minScore. */
export function decodeRetinaFace(
  heads: readonly { level: RetinaFaceLevel; outputs: RetinaFaceOutputs }[],
  minScore: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (const { level, outputs } of heads) {
    const { stride, anchors } = level;
    const { cells, scores, boxes, landmarks } = outputs;
    const plane = cells * cells;
    anchors.forEach((size, a) => {
      for (let cell = 0; cell < plane; cell++) {
        const score = scores[(anchors.length + a) * plane + cell] as number;
        if (!(score >= minScore)) continue;
        const cx = (cell % cells) * stride + ANCHOR_CENTRE;
        const cy = Math.floor(cell / cells) * stride + ANCHOR_CENTRE;
        const box = (k: number) => boxes[(a * 4 + k) * plane + cell] as number;
        const mark = (k: number) => landmarks[(a * 10 + k) * plane + cell] as number;
        const width = size * Math.exp(box(2));
        const height = size * Math.exp(box(3));
        out.push({
          box: { x: cx + box(0) * size - width / 2, y: cy + box(1) * size - height / 2, width, height },
          score,
          points: [0, 1, 2, 3, 4].map((k): Point => [cx + mark(2 * k) * size, cy + mark(2 * k + 1) * size]),
        });
      }
    });
  }
  return out;
}

/** RetinaFace (InsightFace's MobileNet-0.25, trained on WIDER FACE): boxes and five landmarks. */
export class RetinaFaceModel implements ViewModel {
  readonly name: string;
  readonly inputSize: number;
  /** Tiles at full resolution: its smallest anchors (16 px) already suit small faces. */
  readonly tileScale = 1;
  /** Anchors up to 512 px fit a face that fills the whole view. */
  readonly zoomOut = false;
  private readonly levels: RetinaFaceLevel[];

  constructor(private readonly model: LoadedModel) {
    this.name = model.spec.name;
    this.inputSize = model.spec.input.shape[1] as number;
    this.levels = (model.spec.details as { levels: RetinaFaceLevel[] }).levels;
  }

  landmarks({ points = [] }: Candidate): Landmarks {
    const [leftEye, rightEye, nose, mouthLeft, mouthRight] = points as [Point, Point, Point, Point, Point];
    return { leftEye, rightEye, nose, mouthLeft, mouthRight };
  }

  run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]> {
    return runBatch(this.model, batch, (result, index) => {
      const heads = this.levels.map((level) => {
        const scores = result[level.outputs.scores] as ort.Tensor;
        const outputs: RetinaFaceOutputs = {
          cells: scores.dims[3] as number,
          scores: item(scores, index),
          boxes: item(result[level.outputs.boxes] as ort.Tensor, index),
          landmarks: item(result[level.outputs.landmarks] as ort.Tensor, index),
        };
        return { level, outputs };
      });
      return decodeRetinaFace(heads, minScore);
    });
  }
}

export function decodeSsd(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  size: number,
  minScore: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (!(score >= minScore)) continue;
    const [ymin, xmin, ymax, xmax] = [0, 1, 2, 3].map(
      (k) => Math.min(1, Math.max(0, boxes[i * 4 + k] as number)) * size,
    ) as [number, number, number, number];
    out.push({ box: { x: xmin, y: ymin, width: xmax - xmin, height: ymax - ymin }, score });
  }
  return out;
}

/**
 * Rough landmarks placed in a box by the average face (dlib's mean shape in a WIDER-style box), for
 * detectors without keypoints; the landmark model replaces them.
 */
export function landmarksFromBox(box: Box): Landmarks {
  const at = (fx: number, fy: number): Point => [box.x + fx * box.width, box.y + fy * box.height];
  return {
    leftEye: at(0.32, 0.4),
    rightEye: at(0.68, 0.4),
    nose: at(0.5, 0.58),
    mouthLeft: at(0.35, 0.76),
    mouthRight: at(0.65, 0.76),
  };
}

/** Looks at a photo through the model's views and merges what every view found. */
export class FaceDetector {
  readonly name: string;

  constructor(
    private readonly model: ViewModel,
    readonly details: Omit<DetectorDetails, 'family'>,
  ) {
    this.name = model.name;
  }

  async detect(image: RgbImage, options: Partial<DetectorOptions> = {}): Promise<Face[]> {
    const opts = { ...DEFAULT_DETECT_OPTIONS, ...options };
    const { inputSize } = this.model;
    const plan = { tileSize: inputSize * this.model.tileScale, zoomOut: this.model.zoomOut };
    const views = planViews(image.width, image.height, plan).filter((v) => opts.tiles || !v.tile);
    // Blend from the same candidates whatever minScore is asked, so a face's box does not depend on it.
    const floor = Math.min(opts.minScore, BLEND_FLOOR);
    const found = await this.model.run(await viewPixels(image, views, inputSize), floor);
    const candidates: Candidate[] = [];
    views.forEach((view, i) => {
      for (const c of found[i] ?? []) {
        const mapped = mapCandidate(c, view, inputSize);
        if (keepInTile(mapped.box, view, image.width, image.height)) candidates.push(mapped);
      }
    });
    const kept = weightedNonMaxSuppression(candidates, NMS_IOU).filter((c) => c.score >= opts.minScore);
    const faces = kept.map(
      (c): Face => ({
        box: clipBox(c.box, image.width, image.height),
        score: c.score,
        landmarks: this.model.landmarks(c),
      }),
    );
    return sortLargestFirst(faces.filter((f) => f.box.width > 0 && f.box.height > 0)).slice(0, opts.maxFaces);
  }
}

/** Each view as model input; tiles (all one size) come from one downscaled copy of the photo. */
async function viewPixels(image: RgbImage, views: readonly View[], inputSize: number): Promise<Uint8Array[]> {
  const tiles = views.filter((v) => v.tile);
  const factor = inputSize / (tiles[0]?.size ?? inputSize);
  const scaled = tiles.length ? await scaleImage(image, factor) : image;
  return Promise.all(
    views.map((v) =>
      v.tile ? copySquare(scaled, v.x * factor, v.y * factor, inputSize) : squareCrop(image, v, inputSize),
    ),
  );
}

/** What every detector's manifest entry says about it. */
export interface DetectorDetails {
  family?: 'retinaface' | 'ssd';
  /** How much the landmark model's square crop grows this detector's box (see LandmarkModel). */
  landmarkCropScale: number;
  /** The bar verify searches the face to compare at; detect lists faces at DEFAULT_DETECT_OPTIONS'. */
  verifyMinScore: number;
}

export function createDetector(model: LoadedModel): FaceDetector {
  const details = model.spec.details as Partial<DetectorDetails> | undefined;
  const { family, landmarkCropScale, verifyMinScore } = details ?? {};
  if (typeof landmarkCropScale !== 'number' || typeof verifyMinScore !== 'number') {
    throw new Error(`the manifest entry of ${model.spec.name} is out of date: run npm run build:models`);
  }
  const views =
    family === 'retinaface'
      ? new RetinaFaceModel(model)
      : family === 'ssd'
        ? new SsdModel(model)
        : new BlazeFaceModel(model);
  return new FaceDetector(views, { landmarkCropScale, verifyMinScore });
}
