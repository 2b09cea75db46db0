/**
 * The one core API behind the Lambda handlers, the local server and the CLI:
 * decode → detect → align → embed → compare. Models load once, in parallel, and stay warm.
 */
import { turnImage } from './align.ts';
import { roundFar, roundSimilarity } from './compare.ts';
import { type DecodeLimits, decodeImage, encodePng } from './decode.ts';
import {
  createDetector,
  DEFAULT_DETECT_OPTIONS,
  type DetectorOptions,
  type FaceDetector,
} from './detector.ts';
import { type EmbeddedFace, Embedder, type FaceEmbedder, FusedEmbedder } from './embedder.ts';
import { FaceVerifyError } from './errors.ts';
import {
  assessFace,
  embeddedQuality,
  isPoor,
  type QualityModel,
  type QualitySignals,
  turnRoll,
} from './face-quality.ts';
import { faceBack, subjectFace } from './geometry.ts';
import { fiveFrom68, LandmarkModel } from './landmarks.ts';
import type { EntryOf, Fusion, Manifest, ManifestEntry } from './manifest.ts';
import { type MatchCalibration, matchFaces } from './match.ts';
import { DEFAULT_MODELS_DIR, findModel, loadManifest, openModel } from './models.ts';
import { poseOf } from './pose.ts';
import { type SearchScoring, searchScoring } from './search-score.ts';
import type {
  DetectOptions,
  DetectResult,
  EmbeddedImage,
  Face,
  FaceMatch,
  Landmarks,
  Point,
  RgbImage,
  VerifyResult,
} from './types.ts';

/** The shipped default, chosen by `npm run eval` (see docs/evaluation.md). */
export const DEFAULT_MODELS = {
  detector: 'retinaface-mnet025',
  landmarks: 'face-landmark-68',
  embedder: 'dlib-resnet+mobilefacenet',
} as const;

/**
 * What an engine loads, resolved by its caller (functions/shared/runtime-config.ts reads the
 * environment for the entry points); every field has a default here.
 */
export interface EngineConfig {
  /** Default: DEFAULT_MODELS_DIR, this checkout's build. */
  modelsDir?: string;
  /**
   * Default: DEFAULT_MODELS.detector. Another built detector, e.g. `mtcnn`, whose weights are MIT where
   * RetinaFace's are for non-commercial research (README, "Models").
   */
  detector?: string;
  /** A 68-point landmark model that refines the detector's keypoints, or null to use them as they are. */
  landmarks?: string | null;
  embedder?: string;
  /**
   * Turns flip test-time augmentation on or off for every embedder (for experiments); by default each
   * embedder's own setting (EmbedderDetails.flip, measured in docs/evaluation.md).
   */
  flip?: boolean;
  decodeLimits?: Partial<DecodeLimits>;
  /** For evaluation: load an embedder whose threshold is not calibrated yet (its threshold is NaN). */
  allowUncalibrated?: boolean;
  /**
   * onnxruntime's intra-op threads per session. Default: onnxruntime's own (one per core), right for
   * one engine in a process; each worker of a pool runs 1, the pool's workers being the parallelism.
   */
  threads?: number;
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
  /** An embedder's weight in a fusion of several. */
  weight?: number;
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

export interface EmbedImageRequest {
  /**
   * `subject` (default): the one face verify compares in a photo, chosen as verify chooses it (tiles
   * and the turned photo as fallbacks); `every`: every face, largest first.
   */
  faces?: 'subject' | 'every';
  /** With `every`: embed at most this many, the largest; the others are listed as unembeddedFaces. */
  maxFaces?: number;
}

export interface EmbedImageResponse extends EmbeddedImage {
  timings: Timings;
}

/**
 * A face to compare: its refined landmarks, and the detector's own (a second alignment; the pose);
 * what its quality score was computed from.
 */
export interface PairFace extends Face {
  detected: Landmarks;
  /** The landmark model's 68 points in the photo's pixels (none without that model, or on a turned photo's face). */
  points?: Point[];
  signals?: QualitySignals;
}

/** What verify compares of one image (FaceEngine.prepare): its faces, largest first, and their embeddings. */
export interface PreparedImage {
  faces: PairFace[];
  embeddings: Float32Array[];
}

/** One image's side of verify (FaceEngine.prepare) with its stage laps, for verify's timings. */
export interface PreparedSide {
  prepared: PreparedImage;
  laps: Timings;
}

/**
 * What the handlers, the CLI, the drop folder and collections use of an engine: the in-process
 * FaceEngine and the worker pool (engine-pool.ts) both are one.
 */
export interface FaceService {
  readonly models: ModelInfo[];
  readonly calibration: MatchCalibration;
  /** How search (1:N) scores and calibrates (search-score.ts). */
  readonly search: SearchScoring;
  /** The quality score's fitted model (undefined before one is fitted). */
  readonly qualityModel: QualityModel | undefined;
  readonly threshold: number;
  readonly embedder: { readonly name: string; readonly dimension: number };
  detect(bytes: Uint8Array, request?: DetectRequest): Promise<DetectResponse>;
  verify(source: Uint8Array, target: Uint8Array, request?: VerifyRequest): Promise<VerifyResponse>;
  prepare(bytes: Uint8Array, role: ImageRole, everyFace?: boolean): Promise<PreparedImage>;
  prepareTimed(bytes: Uint8Array, role: ImageRole, everyFace: boolean): Promise<PreparedSide>;
  embedImage(bytes: Uint8Array, request?: EmbedImageRequest): Promise<EmbedImageResponse>;
  compare(source: PreparedImage, target: PreparedImage, request?: VerifyRequest): VerifyResult;
  /** Stops what the engine started (a pool's workers); the in-process engine has nothing to stop. */
  close(): Promise<void>;
}

/**
 * Turns (degrees) tried when the upright photo shows no face to compare: three CFP profiles tilted
 * about 30° were found at ≥ 0.93 turned back either way, and at ≤ 0.65 upright.
 */
const TURNS = [-30, 30];
/** Only the whole-photo view runs on a turned copy, so a larger copy would add cost, not faces. */
const TURN_MAX_SIDE = 1024;

type Stage = Exclude<keyof Timings, 'total'>;
const STAGES: readonly Stage[] = ['decode', 'detect', 'align', 'embed'];

class Stopwatch {
  private readonly started = performance.now();
  private last = this.started;
  readonly laps: Timings = { decode: 0, detect: 0, align: 0, embed: 0, total: 0 };

  lap(stage: Stage): void {
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

export class FaceEngine implements FaceService {
  private constructor(
    readonly detector: FaceDetector,
    readonly landmarks: LandmarkModel | undefined,
    readonly embedder: FaceEmbedder,
    /** The match thresholds and false-accept curves fitted for this embedder (NaN and none if uncalibrated). */
    readonly calibration: MatchCalibration,
    /** How search (1:N) scores and calibrates (search-score.ts). */
    readonly search: SearchScoring,
    readonly models: ModelInfo[],
    private readonly config: EngineConfig,
    /** The quality score's fitted model (undefined before one is fitted: scores are NaN). */
    readonly qualityModel: QualityModel | undefined,
  ) {}

  static async load(config: EngineConfig = {}): Promise<FaceEngine> {
    const dir = config.modelsDir ?? DEFAULT_MODELS_DIR;
    const manifest = await loadManifest(dir);
    const plan = planModels(manifest, config);
    const calibration = plan.fusion?.calibration ?? plan.embedders[0]?.spec.calibration;
    if (!calibration && !config.allowUncalibrated) {
      throw new Error(`embedder ${plan.embedder} has no calibrated threshold`);
    }
    const open = <E extends ManifestEntry>(spec: E) => openModel(spec, dir, config.threads);
    const [detector, landmarks, ...embedders] = await Promise.all([
      open(plan.detector),
      plan.landmarks && open(plan.landmarks),
      ...plan.embedders.map(({ spec, weight }) => open(spec).then((model) => ({ model, weight }))),
    ]);
    const faceDetector = await createDetector(detector, (name) => open(findModel(manifest, name, 'stage')));
    const [only] = embedders;
    const embedder =
      only && !plan.fusion
        ? new Embedder(only.model, config.flip)
        : new FusedEmbedder(
            embedders.map(({ model, weight }) => ({ embedder: new Embedder(model, config.flip), weight })),
          );
    const matchCalibration = calibration ?? { threshold: Number.NaN, far: [] };
    const layout =
      embedder instanceof FusedEmbedder ? embedder.layout : [{ dimension: embedder.dimension, weight: 1 }];
    return new FaceEngine(
      faceDetector,
      landmarks && new LandmarkModel(landmarks, faceDetector.details.landmarkCropScale),
      embedder,
      matchCalibration,
      searchScoring(layout, plan.fusion?.search, matchCalibration),
      modelInfos(plan),
      config,
      manifest.quality,
    );
  }

  /** The calibrated match threshold of frontal pairs. */
  get threshold(): number {
    return this.calibration.threshold;
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

  /**
   * Embeddings of the given faces of one image, in one batched run per embedder. A compared face is
   * aligned twice, on the landmark model's points and on the detector's own, and the two summed: on
   * LFW View 1 DevTrain + CFP folds 6–8 that lifts the AUC of dlib-resnet from 0.988 to 0.993.
   */
  embedFaces(image: RgbImage, faces: readonly (Face | PairFace)[]): Promise<EmbeddedFace[]> {
    return this.embedder.embedFaces(
      image,
      faces.map((f) =>
        'detected' in f && f.detected !== f.landmarks ? [f.landmarks, f.detected] : [f.landmarks],
      ),
    );
  }

  /** Every face of a decoded image, largest first, with refined landmarks. */
  async findFaces(image: RgbImage, options: Partial<DetectorOptions> = {}): Promise<Face[]> {
    return (await this.placeLandmarks(image, await this.detector.detect(image, options))).map(asFace);
  }

  /**
   * The faces with landmarks from the landmark model, in one batched run, keeping the detector's; each
   * with its head pose and quality, read from its 68 points and pixels.
   */
  private async placeLandmarks(image: RgbImage, faces: Face[]): Promise<PairFace[]> {
    const points =
      this.landmarks && faces.length
        ? await this.landmarks.points68(
            image,
            faces.map((f) => f.box),
          )
        : [];
    return faces.map((f, i) => {
      const face = { ...f, detected: f.landmarks, points: points[i] };
      const { headPose, quality, signals } = assessFace(image, face, this.qualityModel);
      return {
        ...f,
        landmarks: face.points ? fiveFrom68(face.points) : f.landmarks,
        detected: f.landmarks,
        points: face.points,
        headPose,
        quality,
        signals,
      };
    });
  }

  /**
   * The faces to compare in one image of a pair, largest first: every one if `everyFace`, else the
   * photo's subject (the largest, unless it is cut by the edge and a whole face nearly as large is there).
   * The whole-image views are enough unless they find nothing; tiles serve every face or as the fallback,
   * and last the photo turned both ways (a strongly tilted profile is often only found turned back).
   * Every face is listed as /detect lists them; the one face to compare is searched at the detector's
   * own bar (RetinaFace's is detect's: every face of LFW and the deepface pairs scores ≥ 0.9).
   */
  async pairFaces(image: RgbImage, role: ImageRole, everyFace: boolean): Promise<PairFace[]> {
    const { compared } = await this.facesToCompare(image, everyFace);
    if (compared.length) return compared;
    throw noFaceIn(role);
  }

  /** pairFaces' faces, none when there is none; of every face only the `maxFaces` largest refined, the rest as found. */
  private async facesToCompare(
    image: RgbImage,
    everyFace: boolean,
    maxFaces = Number.POSITIVE_INFINITY,
  ): Promise<{ compared: PairFace[]; rest: Face[] }> {
    const minScore = everyFace ? DEFAULT_DETECT_OPTIONS.minScore : this.detector.details.verifyMinScore;
    const quick = everyFace ? [] : await this.detector.detect(image, { tiles: false, minScore });
    const faces = quick.length ? quick : await this.detector.detect(image, { minScore });
    // Only the compared faces need the landmark model: the photo's subject, or every one.
    const subject = subjectFace(faces, image.width, image.height);
    if (subject && everyFace) {
      return {
        compared: await this.placeLandmarks(image, faces.slice(0, maxFaces)),
        rest: faces.slice(maxFaces),
      };
    }
    if (subject) return { compared: await this.placeLandmarks(image, [subject]), rest: [] };
    return { compared: everyFace ? [] : await this.turnedFaces(image, minScore), rest: [] };
  }

  /** The largest face of the photo turned by each of TURNS, refined there and mapped back: the best-scoring turn's. */
  private async turnedFaces(image: RgbImage, minScore: number): Promise<PairFace[]> {
    const scale = Math.min(1, TURN_MAX_SIDE / Math.max(image.width, image.height));
    let best: { face: Face; turned: ReturnType<typeof turnImage>; degrees: number } | undefined;
    for (const degrees of TURNS) {
      const turned = turnImage(image, degrees, scale);
      const [face] = await this.detector.detect(turned.image, { tiles: false, minScore });
      if (face && (!best || face.score > best.face.score)) best = { face, turned, degrees };
    }
    if (!best) return [];
    const { toImage } = best.turned;
    const [refined] = (await this.placeLandmarks(best.turned.image, [best.face])) as [PairFace];
    const back = (landmarks: Landmarks) =>
      faceBack({ ...refined, landmarks }, toImage, image.width, image.height);
    // The turned photo adds its turn to the face's tilt.
    const headPose = refined.headPose && {
      ...refined.headPose,
      roll: turnRoll(refined.headPose.roll, -best.degrees),
    };
    return [
      { ...back(refined.landmarks), detected: back(refined.detected).landmarks, points: undefined, headPose },
    ];
  }

  /**
   * Each photo runs its own decode → faces → embeddings chain, the two at once, so one photo's sharp
   * work (decoding, resizing) overlaps the other's model runs.
   */
  verify(source: Uint8Array, target: Uint8Array, request: VerifyRequest = {}): Promise<VerifyResponse> {
    return verifyBy(this, source, target, request);
  }

  /**
   * One image's side of verify on its own: decode → the faces to compare (the subject, or every one)
   * → their embeddings. Depends on the bytes alone, so a batch can compute it once per distinct image.
   */
  async prepare(bytes: Uint8Array, role: ImageRole, everyFace = false): Promise<PreparedImage> {
    return (await this.prepareTimed(bytes, role, everyFace)).prepared;
  }

  async prepareTimed(bytes: Uint8Array, role: ImageRole, everyFace: boolean): Promise<PreparedSide> {
    const { compared, embeddings, clock } = await this.embedTimed(bytes, everyFace, role);
    return { prepared: { faces: compared, embeddings }, laps: clock.laps };
  }

  /**
   * The faces of one photo with their embeddings, pose and landmarks, for comparing them with faces of
   * other photos (a collection's, or a stored probe's) without the photo. A photo without a face is an
   * answer here (no faces): whether that is NoFaceDetected is the caller's to say.
   */
  async embedImage(bytes: Uint8Array, request: EmbedImageRequest = {}): Promise<EmbedImageResponse> {
    const { image, compared, rest, embeddings, clock } = await this.embedTimed(
      bytes,
      request.faces === 'every',
      undefined,
      request.maxFaces,
    );
    return {
      width: image.width,
      height: image.height,
      faces: compared.map((face, i) => ({
        ...asFace(face),
        pose: poseOf(face.detected),
        embedding: embeddings[i] as Float32Array,
      })),
      unembeddedFaces: rest.map(asFace),
      timings: clock.finish(),
    };
  }

  /**
   * decode → the faces to compare → their embeddings, timed. With a `role` (one image of a pair) the
   * errors name that image and a photo without a face is NoFaceDetected.
   */
  private async embedTimed(bytes: Uint8Array, everyFace: boolean, role?: ImageRole, maxFaces?: number) {
    const clock = new Stopwatch();
    // Its decoding errors name the image, as the face search's do.
    const image = await (role ? namingImage(this.decode(bytes), role) : this.decode(bytes));
    clock.lap('decode');
    const { compared, rest } = await this.facesToCompare(image, everyFace, maxFaces);
    if (role && !compared.length) throw noFaceIn(role);
    clock.lap('detect');
    const embedded = await this.embedFaces(image, compared);
    clock.lap('embed');
    // An embedded face's quality is read again with how steady its embedding was across its views.
    const faces = compared.map((face, i) => {
      const { views } = embedded[i] as EmbeddedFace;
      return face.quality && face.signals
        ? { ...face, quality: embeddedQuality(face.quality, face.signals, views, this.qualityModel) }
        : face;
    });
    return { image, compared: faces, rest, embeddings: embedded.map((e) => e.embedding), clock };
  }

  /**
   * verify's verdict on two prepared images: the source's face against the target's (or each of them),
   * decided, and the best of several target faces chosen, on the exact similarity at the threshold for
   * the pair's pose; rounded only for the answer.
   */
  compare(source: PreparedImage, target: PreparedImage, request: VerifyRequest = {}): VerifyResult {
    return compareFaces(this.calibration, this.qualityModel, source, target, request);
  }

  /** Nothing to stop: the in-process engine's sessions live as long as the process. */
  async close(): Promise<void> {}
}

/**
 * verify over any engine's prepareTimed: both photos at once (settled as one error for the pair), then
 * compared on the caller's thread. Timings are per stage the slower photo's, and the wall time in total.
 */
export async function verifyBy(
  engine: Pick<FaceService, 'prepareTimed' | 'compare'>,
  source: Uint8Array,
  target: Uint8Array,
  request: VerifyRequest = {},
): Promise<VerifyResponse> {
  const clock = new Stopwatch();
  const [a, b] = await settlePair(
    engine.prepareTimed(source, 'source', false),
    engine.prepareTimed(target, 'target', request.allTargetFaces ?? false),
  );
  const verdict = engine.compare(a.prepared, b.prepared, request);
  for (const stage of STAGES) clock.laps[stage] = Math.max(a.laps[stage], b.laps[stage]);
  return { ...verdict, timings: clock.finish() };
}

/**
 * verify's verdict on two prepared images (FaceEngine.compare): needs the calibration and the quality
 * model only, no session, so a pool compares on the caller's thread.
 */
export function compareFaces(
  calibration: MatchCalibration,
  qualityModel: QualityModel | undefined,
  source: PreparedImage,
  target: PreparedImage,
  request: VerifyRequest = {},
): VerifyResult {
  const sourceFace = source.faces[0] as PairFace;
  const probe = { embedding: source.embeddings[0] as Float32Array, pose: poseOf(sourceFace.detected) };
  const candidates = target.faces.map((face, i) => ({
    embedding: target.embeddings[i] as Float32Array,
    pose: poseOf(face.detected),
  }));
  const ranked = matchFaces(calibration, probe, candidates, { threshold: request.threshold });
  const compared = ranked.map((decision) => ({
    ...decision,
    answer: {
      face: asFace(target.faces[decision.index] as PairFace),
      similarity: roundSimilarity(decision.similarity),
      match: decision.match,
      far: roundFar(decision.far),
    } satisfies FaceMatch,
  }));
  // The most similar face (the first of equals), or the only one compared.
  const best = (
    request.allTargetFaces ? compared[0] : compared.find((c) => c.index === 0)
  ) as (typeof compared)[0];
  const result: VerifyResult = {
    match: best.answer.match,
    similarity: best.answer.similarity,
    threshold: best.threshold,
    far: best.answer.far,
    pose: best.pose,
    source: asFace(sourceFace),
    target: best.answer.face,
    poorFaces: (['source', 'target'] as const).filter((role) =>
      isPoor((role === 'source' ? sourceFace : best.answer.face).quality, qualityModel),
    ),
  };
  if (request.allTargetFaces) {
    // In the target's order of faces.
    const inOrder = compared.sort((a, b) => a.index - b.index);
    result.faceMatches = inOrder.filter((c) => c.answer.match).map((c) => c.answer);
    result.unmatchedFaces = inOrder.filter((c) => !c.answer.match).map((c) => c.answer.face);
  }
  return result;
}

/** The manifest entries an engine of `config` loads: one detector, the landmark model, the embedders. */
interface ModelPlan {
  detector: EntryOf<'detector'>;
  landmarks: EntryOf<'landmarks'> | undefined;
  /** The embedder's name: a single one, or a fusion's. */
  embedder: string;
  embedders: { spec: EntryOf<'embedder'>; weight: number }[];
  fusion: Fusion | undefined;
}

function planModels(manifest: Manifest, config: EngineConfig): ModelPlan {
  const landmarks = config.landmarks === undefined ? DEFAULT_MODELS.landmarks : config.landmarks;
  const embedder = config.embedder ?? DEFAULT_MODELS.embedder;
  const fusion = manifest.fusions?.find((f) => f.name === embedder);
  const parts = fusion?.embedders ?? [{ name: embedder, weight: 1 }];
  return {
    detector: findModel(manifest, config.detector ?? DEFAULT_MODELS.detector, 'detector'),
    landmarks: landmarks ? findModel(manifest, landmarks, 'landmarks') : undefined,
    embedder,
    embedders: parts.map(({ name, weight }) => ({ spec: findModel(manifest, name, 'embedder'), weight })),
    fusion,
  };
}

function modelInfos(plan: ModelPlan): ModelInfo[] {
  const info = (spec: ManifestEntry, weight?: number): ModelInfo => ({
    name: spec.name,
    role: spec.role,
    version: spec.source.version,
    sha256: spec.sha256,
    ...(weight === undefined ? {} : { weight }),
  });
  return [
    info(plan.detector),
    ...(plan.landmarks ? [info(plan.landmarks)] : []),
    ...plan.embedders.map(({ spec, weight }) => info(spec, plan.fusion ? weight : undefined)),
  ];
}

/**
 * The models FaceEngine.load(config) loads, read from the manifest without loading them: what the
 * model-free `meta` function reports for the functions that load them.
 */
export async function engineModels(config: EngineConfig = {}): Promise<ModelInfo[]> {
  return modelInfos(planModels(await loadManifest(config.modelsDir ?? DEFAULT_MODELS_DIR), config));
}

/**
 * Both images' results, or one error for the pair, the same whichever failed first: an image that
 * cannot be used (unreadable, too small, too large…) before a missing face, the source before the target.
 */
export async function settlePair<S, T>(source: Promise<S>, target: Promise<T>): Promise<[S, T]> {
  const [s, t] = await Promise.allSettled([source, target]);
  if (s.status === 'fulfilled' && t.status === 'fulfilled') return [s.value, t.value];
  const failures = [s, t].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const noFace = (e: unknown) => e instanceof FaceVerifyError && e.code === 'NoFaceDetected';
  throw failures.find((e) => !noFace(e)) ?? failures[0];
}

/** The same work, its FaceVerifyErrors naming the image of the pair they concern (`details.image`). */
export function namingImage<T>(work: Promise<T>, role: ImageRole): Promise<T> {
  return work.catch((error: unknown) => {
    throw error instanceof FaceVerifyError ? error.withDetails({ image: role }) : error;
  });
}

function noFaceIn(role: ImageRole): FaceVerifyError {
  return new FaceVerifyError('NoFaceDetected', `No face was found in the ${role} image.`, {
    details: { image: role },
  });
}

/** The public shape of a face, without what only the engine uses. */
function asFace({ box, score, landmarks, headPose, quality }: Face): Face {
  return { box, score, landmarks, ...(headPose && quality ? { headPose, quality } : {}) };
}
