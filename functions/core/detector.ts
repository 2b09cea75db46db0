/**
 * Face detection shared by every detector family: views, merging, and the family registry.
 *
 * A photo is seen through several square views: the whole image letterboxed into the model input,
 * then, for large photos, overlapping tiles, so a 30 px face in a 2,000 px photo is still 15–30 px in
 * the model's input. Detections from every view are merged with weighted NMS. What a family's model
 * makes of one view lives in `detectors/<family>.ts`.
 */
import { BlazeFaceModel } from './detectors/blazeface.ts';
import { MtcnnModel } from './detectors/mtcnn.ts';
import { RetinaFaceModel } from './detectors/retinaface.ts';
import { SsdModel } from './detectors/ssd.ts';
import { type Candidate, clipBox, sortLargestFirst, weightedNonMaxSuppression } from './geometry.ts';
import {
  DETECTOR_FAMILIES,
  type DetectorBase,
  type DetectorDetails,
  type DetectorFamily,
  type EntryOf,
} from './manifest.ts';
import type { LoadedModel } from './models.ts';
import { copySquare, scaleImage, squareCrop } from './resample.ts';
import type { Box, DetectOptions, Face, Landmarks, Point, RgbImage } from './types.ts';

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

/** The detect options a request may set (HTTP and CLI alike), and their ranges. */
export const DETECT_OPTION_RANGES = {
  minScore: { min: 0.05, max: 1 },
  maxFaces: { min: 1, max: DEFAULT_DETECT_OPTIONS.maxFaces, integer: true },
} as const;

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
  /**
   * Sees a whole-photo view at the photo's own resolution, capped at inputSize (a net that takes any
   * size, such as MTCNN's pyramid), rather than always resized to inputSize.
   */
  readonly nativeSize?: boolean;
  /** Candidates per view, for a batch of views. */
  run(batch: readonly Uint8Array[], minScore: number): Promise<Candidate[][]>;
  /** A merged candidate's five landmarks (before the landmark model refines them). */
  landmarks(candidate: Candidate): Landmarks;
}

/** Looks at a photo through the model's views and merges what every view found. */
export class FaceDetector {
  readonly name: string;

  constructor(
    private readonly model: ViewModel,
    readonly details: DetectorBase,
  ) {
    this.name = model.name;
  }

  async detect(image: RgbImage, options: Partial<DetectorOptions> = {}): Promise<Face[]> {
    const opts = { ...DEFAULT_DETECT_OPTIONS, ...options };
    const { inputSize, nativeSize } = this.model;
    const plan = { tileSize: inputSize * this.model.tileScale, zoomOut: this.model.zoomOut };
    const views = planViews(image.width, image.height, plan).filter((v) => opts.tiles || !v.tile);
    const sides = views.map((v) =>
      nativeSize && !v.tile ? Math.min(inputSize, Math.round(v.size)) : inputSize,
    );
    // Blend from the same candidates whatever minScore is asked, so a face's box does not depend on it.
    const floor = Math.min(opts.minScore, BLEND_FLOOR);
    const found = await this.model.run(await viewPixels(image, views, sides, inputSize), floor);
    const candidates: Candidate[] = [];
    views.forEach((view, i) => {
      for (const c of found[i] ?? []) {
        const mapped = mapCandidate(c, view, sides[i] as number);
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

/**
 * Each view as a `sides[i]`-pixel square; tiles (all one size, seen at inputSize) come from one
 * downscaled copy of the photo.
 */
async function viewPixels(
  image: RgbImage,
  views: readonly View[],
  sides: readonly number[],
  inputSize: number,
): Promise<Uint8Array[]> {
  const tiles = views.filter((v) => v.tile);
  const factor = inputSize / (tiles[0]?.size ?? inputSize);
  const scaled = tiles.length ? await scaleImage(image, factor) : image;
  return Promise.all(
    views.map((v, i) =>
      v.tile
        ? copySquare(scaled, v.x * factor, v.y * factor, inputSize)
        : squareCrop(image, v, sides[i] as number),
    ),
  );
}

/** Opens a cascade stage of the manifest, for families made of several nets. */
export type OpenStage = (name: string) => Promise<LoadedModel<EntryOf<'stage'>>>;

/**
 * A detector entry's details, checked: the manifest is a file on disk, and one built by an older
 * converter may lack them. An unknown or missing family is an error, never a default.
 */
export function detectorDetails(spec: { name: string; details?: unknown }): DetectorDetails {
  const details = (spec.details ?? {}) as Partial<Record<keyof DetectorDetails, unknown>>;
  const { family, landmarkCropScale, verifyMinScore } = details;
  if (typeof landmarkCropScale !== 'number' || typeof verifyMinScore !== 'number' || family === undefined) {
    throw new Error(`the manifest entry of ${spec.name} is out of date: run npm run build:models`);
  }
  if (!DETECTOR_FAMILIES.includes(family as DetectorFamily)) {
    throw new Error(
      `the manifest entry of ${spec.name} names detector family ${JSON.stringify(family)}, not one of ${DETECTOR_FAMILIES.join(', ')}`,
    );
  }
  return details as DetectorDetails;
}

/** The family's view model for a detector entry's model. */
async function viewModel(model: LoadedModel, details: DetectorDetails, open: OpenStage): Promise<ViewModel> {
  switch (details.family) {
    case 'retinaface':
      return new RetinaFaceModel(model, details);
    case 'blazeface':
      return new BlazeFaceModel(model, details);
    case 'ssd':
      return new SsdModel(model);
    case 'mtcnn':
      return MtcnnModel.open(model, details, open);
  }
}

export async function createDetector(
  model: LoadedModel<EntryOf<'detector'>>,
  open: OpenStage,
): Promise<FaceDetector> {
  const details = detectorDetails(model.spec);
  const { landmarkCropScale, verifyMinScore } = details;
  return new FaceDetector(await viewModel(model, details, open), { landmarkCropScale, verifyMinScore });
}
