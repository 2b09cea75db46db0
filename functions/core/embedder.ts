/**
 * Face embedders: aligned crops in, L2-normalised embeddings out, every face of a request in one
 * batched run. Test-time augmentation sums the embeddings of several views of one face: its crop
 * aligned on each set of landmarks given for it, and (flip) each crop's mirror image. Several
 * embedders fuse into one embedding whose cosine is the weighted sum of theirs.
 */
import type * as ort from 'onnxruntime-node';
import { type AlignTemplate, alignFace } from './align.ts';
import { cosineSimilarity } from './compare.ts';
import { applyAffine, invertAffine, similarityTransform } from './geometry.ts';
import type { EntryOf } from './manifest.ts';
import { type LoadedModel, toInputTensor } from './models.ts';
import { cropImage, scaleImage } from './resample.ts';
import { LANDMARK_NAMES, type Landmarks, type Point, type RgbImage } from './types.ts';

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** The L2-normalised sum of vectors of one size. */
export function sumNormalised(vectors: readonly Float32Array[]): Float32Array {
  const sum = new Float32Array(vectors[0]?.length ?? 0);
  for (const v of vectors)
    for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] as number) + (v[k] as number);
  return l2normalise(sum);
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
  const move = (point: Point) => applyAffine([sx, 0, -box.x * sx, 0, sy, -box.y * sy], point);
  const moved: Landmarks = {
    leftEye: move(landmarks.leftEye),
    rightEye: move(landmarks.rightEye),
    nose: move(landmarks.nose),
    mouthLeft: move(landmarks.mouthLeft),
    mouthRight: move(landmarks.mouthRight),
  };
  return { image: scaled, landmarks: moved };
}

/** The sets of landmarks one face is aligned on (e.g. the landmark model's and the detector's own). */
export type FaceAlignments = readonly Landmarks[];

/**
 * How steady one embedder's reading of a face is across its views, the quality score's embedding
 * signals: ln of the raw (unnormalised) embedding's length, which a softmax-trained model makes short
 * for a face it cannot read, and how far apart, as −ln(1 − cosine), the crop's and its mirror's
 * (`flip`, where the embedder flips) and the two alignments' (`alignment`, where there are two)
 * embeddings lie. On the training pairs they predict a failed comparison better than the photo's
 * pixels and landmarks alone (docs/evaluation.md, "Face quality").
 */
export interface ViewSignals {
  norm: number;
  flip?: number;
  alignment?: number;
}

/** One face's embedding, and each embedder's (by name) view signals. */
export interface EmbeddedFace {
  embedding: Float32Array;
  views: Record<string, ViewSignals>;
}

/** −ln(1 − cosine): how far apart two readings of one face lie, finite for identical ones. */
const apart = (cosine: number) => -Math.log(Math.max(1e-4, 1 - cosine));

const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

/** A crop's raw embedding, and its mirror image's where the embedder flips. */
interface RawView {
  crop: Float32Array;
  mirror?: Float32Array;
}

/** One face's view signals from its raw embeddings, one view per alignment. */
export function viewSignals(views: readonly RawView[]): ViewSignals {
  const signals: ViewSignals = { norm: Math.log(mean(views.map((v) => Math.hypot(...v.crop)))) };
  const mirrored = views.flatMap((v) => (v.mirror ? [cosineSimilarity(v.crop, v.mirror)] : []));
  if (mirrored.length) signals.flip = apart(mean(mirrored));
  const [first, second] = views;
  if (first && second) signals.alignment = apart(cosineSimilarity(first.crop, second.crop));
  return signals;
}

/** What the engine needs of an embedder: one model, or several fused. */
export interface FaceEmbedder {
  readonly name: string;
  /** The length of its embeddings. */
  readonly dimension: number;
  /** The crop shown for a face (what "Face Detection 2" shows). */
  align(image: RgbImage, landmarks: Landmarks): Promise<RgbImage>;
  /**
   * One unit-length embedding per face of the image, from the crops aligned on each of its sets of
   * landmarks (and their mirror images where the embedder flips), with the views' signals.
   */
  embedFaces(image: RgbImage, faces: readonly FaceAlignments[]): Promise<EmbeddedFace[]>;
}

/**
 * Unit embeddings fused into one: each scaled by √(its weight / the weights' sum) and concatenated,
 * so the fused vector has unit length and its cosine with another fused vector is Σ wᵢ·cosᵢ / Σ wᵢ.
 */
export function fuseEmbeddings(parts: readonly Float32Array[], weights: readonly number[]): Float32Array {
  if (parts.length !== weights.length) throw new RangeError('fuseEmbeddings needs one weight per part');
  const total = weights.reduce((sum, w) => sum + w, 0);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  parts.forEach((part, i) => {
    const scale = Math.sqrt((weights[i] as number) / total);
    for (let k = 0; k < part.length; k++) out[offset + k] = (part[k] as number) * scale;
    offset += part.length;
  });
  return out;
}

/** Whether an embedder flips: `override` if given, else its manifest entry's setting, else yes. */
export function flips(spec: Pick<EntryOf<'embedder'>, 'details'>, override?: boolean): boolean {
  return override ?? spec.details.flip ?? true;
}

export class Embedder implements FaceEmbedder {
  readonly name: string;
  readonly template: AlignTemplate;
  /** Flip test-time augmentation: the given setting, else the model's (EmbedderDetails.flip). */
  readonly flip: boolean;
  readonly dimension: number;

  constructor(
    private readonly model: LoadedModel<EntryOf<'embedder'>>,
    flip?: boolean,
  ) {
    this.name = model.spec.name;
    this.template = model.spec.details.template;
    this.flip = flips(model.spec, flip);
    this.dimension = embeddingLength(model);
  }

  /** The crop this embedder sees for a face (what "Face Detection 2" shows). */
  async align(image: RgbImage, landmarks: Landmarks): Promise<RgbImage> {
    const scaled = await prescale(image, landmarks, this.template);
    return alignFace(scaled.image, scaled.landmarks, this.template).crop;
  }

  async embedFaces(image: RgbImage, faces: readonly FaceAlignments[]): Promise<EmbeddedFace[]> {
    const crops = await Promise.all(faces.flatMap((views) => views.map((l) => this.align(image, l))));
    const raw = await this.run(crops);
    const out: EmbeddedFace[] = [];
    let next = 0;
    for (const views of faces) {
      const own = raw.slice(next, next + views.length);
      out.push({
        embedding: sumNormalised(own.map(viewEmbedding)),
        views: { [this.name]: viewSignals(own) },
      });
      next += views.length;
    }
    return out;
  }

  /** One L2-normalised embedding per crop, in one model run. */
  async embed(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    return (await this.run(crops)).map(viewEmbedding);
  }

  /** The model's raw outputs for each crop, and its mirror image's where the embedder flips: one run. */
  private async run(crops: readonly RgbImage[]): Promise<RawView[]> {
    if (crops.length === 0) return [];
    const { flip } = this;
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
    const row = (i: number) => data.subarray(i * dim, (i + 1) * dim);
    return crops.map((_, i) => (flip ? { crop: row(2 * i), mirror: row(2 * i + 1) } : { crop: row(i) }));
  }
}

/** A crop's embedding: its own, or summed with its mirror's, unit length. */
function viewEmbedding(view: RawView): Float32Array {
  return view.mirror ? sumNormalised([view.crop, view.mirror]) : l2normalise(view.crop);
}

/** Several embedders as one (fuseEmbeddings): each sees the face aligned to its own template. */
export class FusedEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dimension: number;
  /** Each part's length and weight, in the fused vector's order. */
  readonly layout: { dimension: number; weight: number }[];

  constructor(readonly parts: readonly { embedder: Embedder; weight: number }[]) {
    if (parts.length === 0) throw new RangeError('a fusion needs at least one embedder');
    this.name = parts.map((p) => p.embedder.name).join('+');
    this.dimension = parts.reduce((sum, p) => sum + p.embedder.dimension, 0);
    this.layout = parts.map((p) => ({ dimension: p.embedder.dimension, weight: p.weight }));
  }

  /** The first embedder's crop. */
  align(image: RgbImage, landmarks: Landmarks): Promise<RgbImage> {
    return (this.parts[0] as { embedder: Embedder }).embedder.align(image, landmarks);
  }

  async embedFaces(image: RgbImage, faces: readonly FaceAlignments[]): Promise<EmbeddedFace[]> {
    const each = await Promise.all(this.parts.map((p) => p.embedder.embedFaces(image, faces)));
    const weights = this.parts.map((p) => p.weight);
    return faces.map((_, i) => {
      const parts = each.map((e) => e[i] as EmbeddedFace);
      return {
        embedding: fuseEmbeddings(
          parts.map((p) => p.embedding),
          weights,
        ),
        views: Object.assign({}, ...parts.map((p) => p.views)),
      };
    });
  }
}

/** The model's embedding length, from its output's shape (`[batch, length]`). */
function embeddingLength(model: LoadedModel): number {
  const [output] = model.session.outputMetadata;
  const length = output?.isTensor ? output.shape[output.shape.length - 1] : undefined;
  if (typeof length !== 'number') throw new Error(`${model.spec.name} does not declare its embedding length`);
  return length;
}
