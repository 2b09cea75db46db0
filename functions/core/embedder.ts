/**
 * Face embedders: aligned crops in, L2-normalised embeddings out, every face of a request in one
 * batched run. Optional flip test-time augmentation adds each crop's mirror image and sums the two.
 */
import type * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { type AlignTemplate, alignFace } from './align.ts';
import { applyAffine, similarityTransform } from './geometry.ts';
import { type LoadedModel, toInputTensor } from './models.ts';
import { LANDMARK_NAMES, type Landmarks, type Point, type RgbImage } from './types.ts';

export interface EmbedderDetails {
  template: AlignTemplate;
}

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** The crop mirrored left to right. */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      out[to] = data[from] as number;
      out[to + 1] = data[from + 1] as number;
      out[to + 2] = data[from + 2] as number;
    }
  }
  return { width, height, data: out };
}

/**
 * Bilinear warping aliases when it shrinks a face a lot (a 600 px face to 112 px), so large faces
 * are first downscaled with a proper filter to about twice the template's scale.
 */
const MAX_WARP_SHRINK = 2;

async function prescale(image: RgbImage, landmarks: Landmarks, template: AlignTemplate) {
  const points = LANDMARK_NAMES.map((n) => landmarks[n]);
  const [a = 1, b = 0] = similarityTransform(points, template.points);
  const shrink = 1 / Math.hypot(a, b);
  if (shrink <= MAX_WARP_SHRINK) return { image, landmarks };
  const factor = MAX_WARP_SHRINK / shrink;
  const width = Math.max(1, Math.round(image.width * factor));
  const height = Math.max(1, Math.round(image.height * factor));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const sx = width / image.width;
  const sy = height / image.height;
  const scaled = Object.fromEntries(
    LANDMARK_NAMES.map((n) => [n, applyAffine([sx, 0, 0, 0, sy, 0], landmarks[n]) as Point]),
  ) as unknown as Landmarks;
  return {
    image: { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
    landmarks: scaled,
  };
}

export class Embedder {
  readonly name: string;
  readonly template: AlignTemplate;

  constructor(private readonly model: LoadedModel) {
    this.name = model.spec.name;
    this.template = (model.spec.details as unknown as EmbedderDetails).template;
  }

  /** The crop this embedder sees for a face (what "Face Detection 2" shows). */
  async align(image: RgbImage, landmarks: Landmarks): Promise<RgbImage> {
    const scaled = await prescale(image, landmarks, this.template);
    return alignFace(scaled.image, scaled.landmarks, this.template).crop;
  }

  /** One L2-normalised embedding per crop, in one model run. */
  async embed(crops: readonly RgbImage[], flip = false): Promise<Float32Array[]> {
    if (crops.length === 0) return [];
    const batch = flip ? crops.flatMap((c) => [c, flipHorizontal(c)]) : [...crops];
    const result = await this.model.session.run({
      input: toInputTensor(
        this.model.spec,
        batch.map((c) => c.data),
      ),
    });
    const output = Object.values(result)[0] as ort.Tensor;
    const data = output.data as Float32Array;
    const dim = data.length / batch.length;
    const rows = Array.from({ length: batch.length }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
    if (!flip) return rows.map(l2normalise);
    return crops.map((_, i) => {
      const sum = new Float32Array(dim);
      const [a, b] = [rows[2 * i] as Float32Array, rows[2 * i + 1] as Float32Array];
      for (let k = 0; k < dim; k++) sum[k] = (a[k] as number) + (b[k] as number);
      return l2normalise(sum);
    });
  }
}
