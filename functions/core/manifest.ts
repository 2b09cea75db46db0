/**
 * The schema of `manifest.json`, the contract between the model converter (layers/models/src, which
 * writes it from its catalogue) and the engine (which reads it): each model's input, outputs and the
 * facts its family needs, typed per role and per detector family.
 */
import type { AlignTemplate } from './align.ts';
import type { FarPoint } from './compare.ts';
import type { QualityModel } from './face-quality.ts';

/** `stage`: a network that only runs inside a detector's cascade, on that detector's candidates. */
export type Role = 'detector' | 'embedder' | 'landmarks' | 'stage';

export interface InputSpec {
  name: 'input';
  /** NHWC; `-1` is dynamic: any batch, or any height and width for a fully convolutional network. */
  shape: number[];
  layout: 'NHWC';
  /** The model's channel order: the caller swaps its RGB pixels for a BGR model. */
  colour: 'RGB' | 'BGR';
  /**
   * The model sees `pixel * scale + offset` for pixels in 0–255, in its channel order (applied by the
   * caller); a list of three offsets is one per channel.
   */
  normalisation: { scale: number; offset: number | [number, number, number] };
}

export interface OutputSpec {
  name: string;
  meaning: string;
}

export interface ModelSource {
  package: string;
  file: string;
  licence: string;
}

/** A face-api graph normalises inside (the caller feeds 0–255): what it does, for the record. */
export interface GraphNormalisation {
  graphNormalisation?: { mean: [number, number, number]; std: number };
}

/** What every detector's entry says, whatever its family. */
export interface DetectorBase {
  /** How much the landmark model's square crop grows this detector's box (see LandmarkModel). */
  landmarkCropScale: number;
  /** The bar verify searches the face to compare at; detect lists faces at DEFAULT_DETECT_OPTIONS'. */
  verifyMinScore: number;
}

/** One RetinaFace head: its stride, its anchor sizes and the names of its outputs. */
export interface RetinaFaceLevel {
  stride: number;
  /** Anchor sizes (px, square) at every cell, in output channel order. */
  anchors: number[];
  outputs: { scores: string; boxes: string; landmarks: string };
}

export interface AnchorLayer {
  stride: number;
  perCell: number;
}

/**
 * MTCNN's cascade: pnet's window (12 px at a stride of 2), the pyramid's step (0.709 ≈ 1/√2), the stage
 * thresholds (pnet keeps score > 0.6, rnet and onet ≥ 0.7), the entries of rnet and onet (role
 * `stage`), and the largest whole view.
 */
export interface MtcnnDetails {
  window: { size: number; stride: number };
  pyramidFactor: number;
  thresholds: readonly [pnet: number, rnet: number, onet: number];
  stages: { rnet: string; onet: string };
  maxSide: number;
}

export type DetectorDetails = DetectorBase &
  (
    | { family: 'retinaface'; levels: RetinaFaceLevel[] }
    | {
        family: 'blazeface';
        anchors: AnchorLayer[];
        /** Each anchor layer's logits output and its regressors output. */
        outputPairs: [logits: string, regressors: string][];
        /** MediaPipe's keypoints, in output order. */
        keypoints: string[];
      }
    | ({ family: 'ssd' } & GraphNormalisation)
    | ({ family: 'mtcnn' } & MtcnnDetails)
  );

export type DetectorFamily = DetectorDetails['family'];

/** Every family once: a Record's keys, so a family added to DetectorDetails must be listed. */
export const DETECTOR_FAMILIES = Object.keys({
  retinaface: true,
  blazeface: true,
  ssd: true,
  mtcnn: true,
} satisfies Record<DetectorFamily, true>) as DetectorFamily[];

export interface EmbedderDetails extends GraphNormalisation {
  /** Where the five landmarks land in the embedder's input crop. */
  template: AlignTemplate;
  /**
   * Whether the model's embeddings add the mirror image's (flip test-time augmentation). Default on;
   * off where measured to add nothing but cost (docs/evaluation.md).
   */
  flip?: boolean;
}

interface ModelBase {
  name: string;
  source: ModelSource;
  input: InputSpec;
  outputs: OutputSpec[];
}

export interface DetectorSpec extends ModelBase {
  role: 'detector';
  details: DetectorDetails;
}

export interface EmbedderSpec extends ModelBase {
  role: 'embedder';
  details: EmbedderDetails;
}

export interface LandmarksSpec extends ModelBase {
  role: 'landmarks';
  details?: GraphNormalisation;
}

export interface StageSpec extends ModelBase {
  role: 'stage';
}

/** A model as the catalogue describes it, before it is built. */
export type ModelSpec = DetectorSpec | EmbedderSpec | LandmarksSpec | StageSpec;

export interface Calibration {
  /** For pairs of frontal faces. */
  threshold: number;
  /** Impostor similarities' false-accept curve, similarity ascending (see estimateFar). */
  far: FarPoint[];
  /** For pairs in which either face is seen from the side (pose.ts). */
  profile?: { threshold: number; far: FarPoint[] };
  fittedOn: string;
  [key: string]: unknown;
}

/** What building a model adds to its spec. */
export interface BuiltModel {
  file: string;
  bytes: number;
  sha256: string;
  source: ModelSource & { version: string };
  /** Embedders: the thresholds and false-accept curves fitted by `npm run eval -- --calibrate`. */
  calibration?: Calibration;
}

export type ManifestEntry = ModelSpec & BuiltModel;

/** The manifest entry of a model of one role. */
export type EntryOf<R extends Role> = Extract<ManifestEntry, { role: R }>;

/** Several embedders used as one (FusedEmbedder), under a name of its own: `a+b`. */
export interface Fusion {
  name: string;
  /** Each embedder's weight in the fused cosine, in order. */
  embedders: { name: string; weight: number }[];
  calibration: Calibration;
  /** Search's (1:N) own score and curves (search-score.ts); without it search scores as verify does. */
  search?: SearchCalibration;
}

/** Fitted by `npm run eval -- --identification --calibrate` on training people only. */
export interface SearchCalibration {
  /** Each embedder's weight in search's score Σ wᵢ·cosᵢ, in the fusion's order, summing to 1. */
  weights: number[];
  /** That score's false-accept curve for pairs of frontal faces (see estimateFar)… */
  far: FarPoint[];
  /** …and for pairs in which either face is in profile. */
  profile?: { far: FarPoint[] };
  fittedOn: string;
  [key: string]: unknown;
}

export interface Manifest {
  models: ManifestEntry[];
  fusions: Fusion[];
  /** The face quality score's model, fitted by `npm run eval -- --quality --calibrate` (quality.json). */
  quality?: QualityModel;
}
