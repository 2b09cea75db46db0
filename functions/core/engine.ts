/**
 * The one core API behind the Lambda handlers, the local server and the CLI:
 * decode → detect → align → embed → compare. Models load once, in parallel, and stay warm.
 */
import { cosineSimilarity, isMatch } from './compare.ts';
import { type DecodeLimits, decodeImage, encodePng } from './decode.ts';
import {
  createDetector,
  DEFAULT_DETECT_OPTIONS,
  type DetectorOptions,
  type FaceDetector,
} from './detector.ts';
import { Embedder } from './embedder.ts';
import { FaceVerifyError } from './errors.ts';
import { LandmarkModel } from './landmarks.ts';
import {
  findModel,
  type LoadedModel,
  loadManifest,
  type ManifestEntry,
  modelsDir,
  openModel,
} from './models.ts';
import type {
  DetectOptions,
  DetectResult,
  Face,
  FaceMatch,
  Landmarks,
  RgbImage,
  VerifyResult,
} from './types.ts';

/** The shipped default, chosen by `npm run eval` (see docs/evaluation.md). */
export const DEFAULT_MODELS = {
  detector: 'retinaface-mnet025',
  landmarks: 'face-landmark-68',
  embedder: 'dlib-resnet',
} as const;

/**
 * Names another built detector for the process, e.g. `facemesh-detection-full`, whose weights are
 * Apache-2.0 where RetinaFace's are for non-commercial research (README, "Models").
 */
export const DETECTOR_ENV = 'FACEVERIFY_DETECTOR';

/** The detector a process loads: the config's, else `FACEVERIFY_DETECTOR`'s, else the default. */
export function detectorName(config: Pick<EngineConfig, 'detector'> = {}): string {
  return config.detector || process.env[DETECTOR_ENV] || DEFAULT_MODELS.detector;
}

export interface EngineConfig {
  modelsDir?: string;
  /** Default: `FACEVERIFY_DETECTOR`, else DEFAULT_MODELS.detector. */
  detector?: string;
  /** A 68-point landmark model that refines the detector's keypoints, or null to use them as they are. */
  landmarks?: string | null;
  embedder?: string;
  /**
   * Flip test-time augmentation for embeddings, on by default: LFW View 1 DevTrain 98.73 → 98.86 %
   * for ≈6 ms per verify (docs/evaluation.md).
   */
  flip?: boolean;
  decodeLimits?: Partial<DecodeLimits>;
  /** For evaluation: load an embedder whose threshold is not calibrated yet (its threshold is NaN). */
  allowUncalibrated?: boolean;
}

export interface Timings {
  decode: number;
  detect: number;
  align: number;
  embed: number;
  total: number;
}

export interface ModelInfo {
  name: string;
  role: ManifestEntry['role'];
  version: string;
  sha256: string;
}

export interface DetectRequest extends DetectOptions {
  /** Add each face's aligned crop as PNG bytes. */
  crops?: boolean;
}

export interface DetectResponse extends DetectResult {
  crops?: Uint8Array[];
  timings: Timings;
}

export interface VerifyRequest {
  threshold?: number;
  /** Compare the source face with every target face (matches and unmatched faces). */
  allTargetFaces?: boolean;
}

export interface VerifyResponse extends VerifyResult {
  timings: Timings;
}

export type ImageRole = 'source' | 'target';

/** What verify compares of one image (FaceEngine.prepare): its faces, largest first, and their embeddings. */
export interface PreparedImage {
  faces: Face[];
  embeddings: Float32Array[];
}

class Stopwatch {
  private readonly started = performance.now();
  private last = this.started;
  readonly laps: Timings = { decode: 0, detect: 0, align: 0, embed: 0, total: 0 };

  lap(stage: Exclude<keyof Timings, 'total'>): void {
    const now = performance.now();
    this.laps[stage] += now - this.last;
    this.last = now;
  }

  finish(): Timings {
    this.laps.total = performance.now() - this.started;
    for (const key of Object.keys(this.laps) as (keyof Timings)[]) this.laps[key] = round(this.laps[key]);
    return this.laps;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export class FaceEngine {
  private constructor(
    readonly detector: FaceDetector,
    readonly landmarks: LandmarkModel | undefined,
    readonly embedder: Embedder,
    readonly threshold: number,
    readonly models: ModelInfo[],
    private readonly config: EngineConfig,
  ) {}

  static async load(config: EngineConfig = {}): Promise<FaceEngine> {
    const dir = config.modelsDir ?? modelsDir();
    const manifest = await loadManifest(dir);
    const landmarksName = config.landmarks === undefined ? DEFAULT_MODELS.landmarks : config.landmarks;
    const detectorModel = detectorName(config);
    if (findModel(manifest, detectorModel).role !== 'detector') {
      throw new Error(`${detectorModel} is not a detector`);
    }
    const [detector, landmarks, embedder] = await Promise.all([
      openModel(manifest, detectorModel, dir),
      landmarksName ? openModel(manifest, landmarksName, dir) : undefined,
      openModel(manifest, config.embedder ?? DEFAULT_MODELS.embedder, dir),
    ]);
    const threshold =
      embedder.spec.calibration?.threshold ?? (config.allowUncalibrated ? Number.NaN : undefined);
    if (threshold === undefined)
      throw new Error(`embedder ${embedder.spec.name} has no calibrated threshold`);
    const info = ({ spec }: LoadedModel): ModelInfo => ({
      name: spec.name,
      role: spec.role,
      version: spec.source.version,
      sha256: spec.sha256,
    });
    const loaded = [detector, landmarks, embedder].filter((m): m is LoadedModel => m !== undefined);
    const faceDetector = createDetector(detector);
    return new FaceEngine(
      faceDetector,
      landmarks && new LandmarkModel(landmarks, faceDetector.details.landmarkCropScale),
      new Embedder(embedder),
      threshold,
      loaded.map(info),
      config,
    );
  }

  /** Whether embeddings use flip test-time augmentation (EngineConfig.flip). */
  get flip(): boolean {
    return this.config.flip ?? true;
  }

  decode(bytes: Uint8Array): Promise<RgbImage> {
    return decodeImage(bytes, this.config.decodeLimits);
  }

  async detect(bytes: Uint8Array, request: DetectRequest = {}): Promise<DetectResponse> {
    const clock = new Stopwatch();
    const image = await this.decode(bytes);
    clock.lap('decode');
    const faces = await this.findFaces(image, request);
    clock.lap('detect');
    const result: DetectResponse = { width: image.width, height: image.height, faces, timings: clock.laps };
    if (request.crops) {
      const crops = await Promise.all(faces.map((f) => this.embedder.align(image, f.landmarks)));
      result.crops = await Promise.all(crops.map(encodePng));
      clock.lap('align');
    }
    result.timings = clock.finish();
    return result;
  }

  /** Embeddings of the given faces of one image, in one batched model run. */
  async embedFaces(image: RgbImage, faces: readonly Face[]): Promise<Float32Array[]> {
    const crops = await Promise.all(faces.map((f) => this.embedder.align(image, f.landmarks)));
    return this.embedder.embed(crops, this.flip);
  }

  /** Every face of a decoded image, largest first, with refined landmarks. */
  async findFaces(image: RgbImage, options: Partial<DetectorOptions> = {}): Promise<Face[]> {
    return this.refine(image, await this.detector.detect(image, options));
  }

  /** The faces with landmarks from the landmark model, in one batched run. */
  private async refine(image: RgbImage, faces: Face[]): Promise<Face[]> {
    if (!this.landmarks || faces.length === 0) return faces;
    const refined = await this.landmarks.refine(
      image,
      faces.map((f) => f.box),
    );
    return faces.map((f, i) => ({ ...f, landmarks: refined[i] as Landmarks }));
  }

  /**
   * The faces to compare in one image of a pair, largest first: only the largest unless `everyFace`.
   * The whole-image views are enough unless they find nothing; tiles serve every face or as the fallback.
   * Every face is listed as /detect lists them; the one face to compare is searched at the detector's
   * own bar (RetinaFace's is detect's: every face of LFW and the deepface pairs scores ≥ 0.9).
   */
  async pairFaces(image: RgbImage, role: ImageRole, everyFace: boolean): Promise<Face[]> {
    const minScore = everyFace ? DEFAULT_DETECT_OPTIONS.minScore : this.detector.details.verifyMinScore;
    const quick = everyFace ? [] : await this.detector.detect(image, { tiles: false, minScore });
    const faces = quick.length ? quick : await this.detector.detect(image, { minScore });
    if (faces.length === 0) {
      throw new FaceVerifyError('NoFaceDetected', `No face was found in the ${role} image.`, {
        details: { image: role },
      });
    }
    // Only the compared faces need the landmark model: the largest, or every one.
    return this.refine(image, everyFace ? faces : faces.slice(0, 1));
  }

  async verify(source: Uint8Array, target: Uint8Array, request: VerifyRequest = {}): Promise<VerifyResponse> {
    const clock = new Stopwatch();
    const everyTarget = request.allTargetFaces ?? false;
    const [sourceImage, targetImage] = await Promise.all([this.decode(source), this.decode(target)]);
    clock.lap('decode');
    const [sourceFaces, targetFaces] = await Promise.all([
      this.pairFaces(sourceImage, 'source', false),
      this.pairFaces(targetImage, 'target', everyTarget),
    ]);
    clock.lap('detect');
    const [sourceEmbeddings, targetEmbeddings] = await Promise.all([
      this.embedFaces(sourceImage, sourceFaces),
      this.embedFaces(targetImage, targetFaces),
    ]);
    clock.lap('embed');
    const { faceMatches, unmatchedFaces, ...verdict } = this.compare(
      { faces: sourceFaces, embeddings: sourceEmbeddings },
      { faces: targetFaces, embeddings: targetEmbeddings },
      request,
    );
    const result: VerifyResponse = { ...verdict, timings: clock.finish() };
    if (faceMatches && unmatchedFaces) Object.assign(result, { faceMatches, unmatchedFaces });
    return result;
  }

  /**
   * One image's side of verify on its own: decode → the faces to compare (the largest, or every one)
   * → their embeddings. Depends on the bytes alone, so a batch can compute it once per distinct image.
   */
  async prepare(bytes: Uint8Array, role: ImageRole, everyFace = false): Promise<PreparedImage> {
    const image = await this.decode(bytes);
    const faces = await this.pairFaces(image, role, everyFace);
    return { faces, embeddings: await this.embedFaces(image, faces) };
  }

  /** verify's verdict on two prepared images: the source's face against the target's (or each of them). */
  compare(source: PreparedImage, target: PreparedImage, request: VerifyRequest = {}): VerifyResult {
    const threshold = request.threshold ?? this.threshold;
    const sourceFace = source.faces[0] as Face;
    const sourceEmbedding = source.embeddings[0] as Float32Array;
    const compared: FaceMatch[] = target.faces.map((face, i) => {
      const similarity = round4(cosineSimilarity(sourceEmbedding, target.embeddings[i] as Float32Array));
      return { face, similarity, match: isMatch(similarity, threshold) };
    });
    const best = request.allTargetFaces
      ? compared.reduce((a, b) => (b.similarity > a.similarity ? b : a))
      : (compared[0] as FaceMatch);
    const result: VerifyResult = {
      match: best.match,
      similarity: best.similarity,
      threshold,
      source: sourceFace,
      target: best.face,
    };
    if (request.allTargetFaces) {
      result.faceMatches = compared.filter((c) => c.match);
      result.unmatchedFaces = compared.filter((c) => !c.match).map((c) => c.face);
    }
    return result;
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
