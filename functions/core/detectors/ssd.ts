/** face-api's SSD MobileNetV1 (trained on WIDER FACE): decoded boxes, no keypoints. */
import type * as ort from 'onnxruntime-node';
import type { ViewModel } from '../detector.ts';
import type { Candidate } from '../geometry.ts';
import type { LoadedModel } from '../models.ts';
import type { Box, Landmarks, Point } from '../types.ts';
import { item, runBatch } from './batch.ts';

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
