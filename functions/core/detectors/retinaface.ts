/** RetinaFace (InsightFace's MobileNet-0.25, trained on WIDER FACE): anchor heads with boxes and five landmarks. */
import type * as ort from 'onnxruntime-node';
import type { ViewModel } from '../detector.ts';
import type { Candidate } from '../geometry.ts';
import type { DetectorDetails, RetinaFaceLevel } from '../manifest.ts';
import type { LoadedModel } from '../models.ts';
import type { Landmarks, Point } from '../types.ts';
import { item, runBatch } from './batch.ts';

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

  constructor(
    private readonly model: LoadedModel,
    { levels }: Extract<DetectorDetails, { family: 'retinaface' }>,
  ) {
    this.name = model.spec.name;
    this.inputSize = model.spec.input.shape[1] as number;
    this.levels = levels;
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
