/**
 * Refines a detection's landmarks with face-api's 68-point model: the real eye centres and mouth
 * corners instead of the detector's coarse keypoints.
 */
import type * as ort from 'onnxruntime-node';
import { type LoadedModel, toInputTensor } from './models.ts';
import { squareCrop } from './resample.ts';
import type { Box, Landmarks, Point, RgbImage } from './types.ts';

/** The square crop a landmark model sees around a detection box, in image pixels. */
export function landmarkCrop(box: Box, enlarge: number): { x: number; y: number; size: number } {
  const size = Math.max(box.width, box.height) * enlarge;
  return { x: box.x + box.width / 2 - size / 2, y: box.y + box.height / 2 - size / 2, size };
}

function mean(points: readonly Point[]): Point {
  const sum = points.reduce<Point>((acc, p) => [acc[0] + p[0], acc[1] + p[1]], [0, 0]);
  return [sum[0] / points.length, sum[1] / points.length];
}

/** The five landmarks from the iBUG 68-point layout (eyes 36–41 and 42–47, nose tip 30, mouth corners 48 and 54). */
export function fiveFrom68(points: readonly Point[]): Landmarks {
  if (points.length !== 68) throw new RangeError(`expected 68 points, got ${points.length}`);
  return {
    leftEye: mean(points.slice(36, 42)),
    rightEye: mean(points.slice(42, 48)),
    nose: points[30] as Point,
    mouthLeft: points[48] as Point,
    mouthRight: points[54] as Point,
  };
}

export class LandmarkModel {
  readonly name: string;
  private readonly size: number;

  constructor(
    private readonly model: LoadedModel,
    /**
     * How much larger than the detector's box the model's crop is (the detector's landmarkCropScale):
     * face-api trained this model on WIDER-style boxes padded to a square; MediaPipe's tighter boxes
     * reach that at 1.2.
     */
    private readonly enlarge: number,
  ) {
    this.name = model.spec.name;
    this.size = model.spec.input.shape[1] as number;
  }

  /** 68 points per box, in image pixels, in one batched run. */
  async points68(image: RgbImage, boxes: readonly Box[]): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const crops = boxes.map((b) => landmarkCrop(b, this.enlarge));
    const views = await Promise.all(crops.map((c) => squareCrop(image, c, this.size)));
    const result = await this.model.session.run({
      input: toInputTensor(this.model.spec, views),
    });
    const data = (Object.values(result)[0] as ort.Tensor).data as Float32Array;
    return crops.map((c, i) =>
      Array.from({ length: 68 }, (_, k): Point => {
        const at = (i * 68 + k) * 2;
        return [c.x + (data[at] as number) * c.size, c.y + (data[at + 1] as number) * c.size];
      }),
    );
  }

  async refine(image: RgbImage, boxes: readonly Box[]): Promise<Landmarks[]> {
    return (await this.points68(image, boxes)).map(fiveFrom68);
  }
}
