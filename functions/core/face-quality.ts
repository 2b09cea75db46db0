/**
 * How usable a face is for comparison: its head pose, sharpness and brightness, and a score in [0, 1]
 * fitted (`npm run eval -- --quality --calibrate`) to predict that a same-person comparison of it fails.
 * Pure. Two scores are fitted: one read from the photo's pixels and the landmarks alone (detect's
 * faces), and one that adds how steady the face's embedding is across its views (every embedded
 * face: verify's, collections'), which predicts errors better.
 */
import type { ViewSignals } from './embedder.ts';
import { brightness, faceGrey, laplacianEnergy } from './face-image.ts';
import { facePose } from './head-pose.ts';
import { fiveFrom68 } from './landmarks.ts';
import { frontality } from './pose.ts';
import {
  type Box,
  type FaceQuality,
  type HeadPose,
  LANDMARK_NAMES,
  type Landmarks,
  type Point,
  type RgbImage,
} from './types.ts';

/**
 * What the scores are fitted on, each per face, read from the photo. A type, not an interface, so that
 * it passes as EmbeddedSignals before the face is embedded.
 */
export type QualitySignals = {
  /** |yaw|, |pitch|, |roll| in degrees (head-pose.ts). */
  yaw: number;
  pitch: number;
  roll: number;
  /** The detector's landmarks' frontality (pose.ts). */
  frontality: number;
  /** ln of the box's width in pixels. */
  size: number;
  /** The detector's score as a logit. */
  detector: number;
  /** ln(1 + the Laplacian's energy). */
  detail: number;
  /** The face's brightness' distance from mid-grey (0–50). */
  exposure: number;
  /**
   * ln(0.005 + how far the landmark model's five points lie from the detector's, over the box's
   * width): the two alignments a face is embedded on disagree when either model is lost.
   */
  landmarkShift: number;
};

/** An embedder's view signal (embedder.ts), named `<embedder>:<signal>`, e.g. `mobilefacenet:norm`. */
export type EmbeddingSignal = `${string}:${keyof ViewSignals}`;

export type Signal = keyof QualitySignals | EmbeddingSignal;

/** A face's signals with its embedding's, once it is embedded. */
export type EmbeddedSignals = QualitySignals & Partial<Record<EmbeddingSignal, number>>;

/** The view signals of an embedded face under their signal names. */
export function embeddingSignals(
  views: Record<string, ViewSignals>,
): Partial<Record<EmbeddingSignal, number>> {
  const out: Partial<Record<EmbeddingSignal, number>> = {};
  for (const [embedder, signals] of Object.entries(views))
    for (const [name, value] of Object.entries(signals))
      out[`${embedder}:${name}` as EmbeddingSignal] = value;
  return out;
}

/**
 * A logistic model of "a same-person comparison of this face fails": score = 1 / (1 + e^z) with
 * z = bias + Σ weightᵢ · (signalᵢ − meanᵢ) / scaleᵢ. A pair is as good as its worse face.
 */
export interface ScoreModel {
  signals: Signal[];
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
}

/** quality.json: the two scores and the cuts of the embedded one. */
export interface QualityModel {
  version: 2;
  fittedOn: string;
  /** From the photo's pixels and landmarks alone: the score of a face that is not embedded (detect's). */
  photo: ScoreModel;
  /** With the embedding's view signals too: the score of every embedded face, which the cuts apply to. */
  embedded: ScoreModel;
  /**
   * Faces scoring below this are called poor (verify's `poorFaces`): the cut that rejects the lowest
   * 10 % of the training's same-person pairs by their worse face.
   */
  poorBelow: number;
  /** The enrolment filter's cuts of the score (functions/collections/quality-filter.ts), chosen by the same fit. */
  enrolmentCuts: EnrolmentCuts;
}

/**
 * Scores below which enrolment refuses a face (`LowQuality`), each the cut that rejects a share of the
 * training's same-person pairs by their worse face: `auto` the share chosen on the training ERC,
 * `low`/`medium`/`high` fixed shares (5, 10 and 20 %; `medium` is `poorBelow`).
 */
export interface EnrolmentCuts {
  auto: number;
  low: number;
  medium: number;
  high: number;
}

/** Whether a face's quality score is below the model's poor cut (never without a fitted model). */
export function isPoor(quality: { score: number } | undefined, model: QualityModel | undefined): boolean {
  return model !== undefined && quality !== undefined && quality.score < model.poorBelow;
}

/** The Laplacian energy at which sharpness reads 63 (1 − 1/e); LFW's faces have a median of about 420. */
const SHARPNESS_ENERGY = 1000;

export function sharpnessOf(energy: number): number {
  return 100 * (1 - Math.exp(-Math.max(0, energy) / SHARPNESS_ENERGY));
}

/** A face as the engine has it: its box and score, the detector's landmarks, the landmark model's 68 points if any. */
export interface AssessedFace {
  box: Box;
  score: number;
  detected: Landmarks;
  points?: readonly Point[];
}

export function qualitySignals(
  face: AssessedFace,
  pose: HeadPose,
  energy: number,
  light: number,
): QualitySignals {
  const refined = face.points ? fiveFrom68(face.points) : face.detected;
  const shift =
    LANDMARK_NAMES.reduce(
      (sum, n) => sum + Math.hypot(refined[n][0] - face.detected[n][0], refined[n][1] - face.detected[n][1]),
      0,
    ) /
    LANDMARK_NAMES.length /
    Math.max(face.box.width, 1);
  const p = Math.min(Math.max(face.score, 1e-4), 1 - 1e-4);
  return {
    yaw: Math.abs(pose.yaw),
    pitch: Math.abs(pose.pitch),
    roll: Math.abs(pose.roll),
    frontality: frontality(face.detected),
    size: Math.log(Math.max(face.box.width, 1)),
    detector: Math.log(p / (1 - p)),
    detail: Math.log1p(energy),
    exposure: Math.abs(light - 50),
    landmarkShift: Math.log(0.005 + shift),
  };
}

/** A face's signals as a model reads them, standardised; a signal the face lacks counts as its mean (0). */
export function standardised(
  signals: EmbeddedSignals,
  model: Pick<ScoreModel, 'signals' | 'mean' | 'scale'>,
): number[] {
  return model.signals.map((name, i) => {
    const mean = model.mean[i] as number;
    return ((signals[name as keyof EmbeddedSignals] ?? mean) - mean) / (model.scale[i] as number);
  });
}

/** The model's score of a face's signals, or NaN without a model. */
export function qualityScore(signals: EmbeddedSignals, model: ScoreModel | undefined): number {
  if (!model) return Number.NaN;
  const z = standardised(signals, model).reduce(
    (sum, x, i) => sum + (model.weights[i] as number) * x,
    model.bias,
  );
  return 1 / (1 + Math.exp(z));
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** An embedded face's quality: its score read again with its embedding's view signals. */
export function embeddedQuality(
  quality: FaceQuality,
  signals: QualitySignals,
  views: Record<string, ViewSignals>,
  model: QualityModel | undefined,
): FaceQuality {
  return {
    ...quality,
    score: round3(qualityScore({ ...signals, ...embeddingSignals(views) }, model?.embedded)),
  };
}

export interface FaceAssessment {
  headPose: HeadPose;
  quality: FaceQuality;
  signals: QualitySignals;
}

/** One face's pose and quality, from the photo and the landmarks the engine found (a few ms). */
export function assessFace(
  image: RgbImage,
  face: AssessedFace,
  model: QualityModel | undefined,
): FaceAssessment {
  const headPose = facePose(face.points, face.detected);
  const grey = faceGrey(image, face.box);
  const energy = laplacianEnergy(grey);
  const light = brightness(grey);
  const signals = qualitySignals(face, headPose, energy, light);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    headPose,
    quality: {
      sharpness: round1(sharpnessOf(energy)),
      brightness: round1(light),
      score: round3(qualityScore(signals, model?.photo)),
    },
    signals,
  };
}

/** A roll angle plus a turn of the photo, in (−180°, 180°]. */
export function turnRoll(roll: number, degrees: number): number {
  const r = ((((roll + degrees + 180) % 360) + 360) % 360) - 180;
  return Math.round((r === -180 ? 180 : r) * 10) / 10;
}
