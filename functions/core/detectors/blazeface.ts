/** MediaPipe's BlazeFace family (BlazeFace back-camera, the full-range face detector): anchor decoding. */
import type * as ort from 'onnxruntime-node';
import type { ViewModel } from '../detector.ts';
import type { Candidate } from '../geometry.ts';
import type { AnchorLayer, DetectorDetails } from '../manifest.ts';
import type { LoadedModel } from '../models.ts';
import type { Landmarks, Point } from '../types.ts';
import { item, runBatch } from './batch.ts';

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

/** MediaPipe BlazeFace family: anchors with box and six-keypoint regressors. */
export class BlazeFaceModel implements ViewModel {
  readonly name: string;
  readonly inputSize: number;
  readonly tileScale = 2;
  readonly zoomOut = true;
  private readonly anchors: Point[];
  private readonly outputs: { logits: string; regressors: string }[];

  constructor(
    private readonly model: LoadedModel,
    details: Extract<DetectorDetails, { family: 'blazeface' }>,
  ) {
    const { spec } = model;
    this.name = spec.name;
    this.inputSize = spec.input.shape[1] as number;
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
