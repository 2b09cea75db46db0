/**
 * Face embedders: aligned crops in, L2-normalised embeddings out, every face of a request in one
 * batched run. Optional flip test-time augmentation adds each crop's mirror image and sums the two.
 */
import type * as ort from 'onnxruntime-node';
import { type AlignTemplate, alignFace } from './align.ts';
import { applyAffine, invertAffine, similarityTransform } from './geometry.ts';
import { type LoadedModel, toInputTensor } from './models.ts';
import { cropImage, scaleImage } from './resample.ts';
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
 * Bilinear warping aliases when it shrinks a face a lot (a 600 px face to 112 px), so a large face's
 * neighbourhood is first cut out and downscaled with a proper filter to about twice the template's scale.
 */
const MAX_WARP_SHRINK = 2;

async function prescale(image: RgbImage, landmarks: Landmarks, template: AlignTemplate) {
  const points = LANDMARK_NAMES.map((n) => landmarks[n]);
  const toCrop = similarityTransform(points, template.points);
  const shrink = 1 / Math.hypot(toCrop[0], toCrop[3]);
  if (shrink <= MAX_WARP_SHRINK) return { image, landmarks };
  // The template's square seen in the photo, with a margin for the bilinear taps.
  const [w, h] = template.size;
  const corners = [
    [0, 0],
    [w, 0],
    [0, h],
    [w, h],
  ].map((p) => applyAffine(invertAffine(toCrop), p as Point));
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const left = Math.max(0, Math.floor(Math.min(...xs)) - 2);
  const top = Math.max(0, Math.floor(Math.min(...ys)) - 2);
  const right = Math.min(image.width, Math.ceil(Math.max(...xs)) + 2);
  const bottom = Math.min(image.height, Math.ceil(Math.max(...ys)) + 2);
  if (right <= left || bottom <= top) return { image, landmarks };
  const box = { x: left, y: top, width: right - left, height: bottom - top };
  const factor = MAX_WARP_SHRINK / shrink;
  const scaled = await scaleImage(cropImage(image, box), factor);
  const sx = scaled.width / box.width;
  const sy = scaled.height / box.height;
  const moved = Object.fromEntries(
    LANDMARK_NAMES.map((n) => [n, applyAffine([sx, 0, -box.x * sx, 0, sy, -box.y * sy], landmarks[n])]),
  ) as unknown as Landmarks;
  return { image: scaled, landmarks: moved };
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
