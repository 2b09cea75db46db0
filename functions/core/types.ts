/** Public shapes shared by the engine, the CLI, the HTTP API and the drop folder. */

export type Point = [x: number, y: number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The five landmarks of MTCNN, in pixels of the upright image. "Left" means the image's left side (the subject's right
 * eye and mouth corner), the order of InsightFace's alignment template.
 */
export interface Landmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

export const LANDMARK_NAMES = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;

/**
 * How far a face is turned, in degrees, as seen in the photo (functions/core/head-pose.ts): yaw > 0
 * turned towards the photo's left (the subject's right), pitch > 0 turned up, roll > 0 tilted clockwise.
 */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** How usable a face is for comparison (functions/core/face-quality.ts). */
export interface FaceQuality {
  /** 0–100: fine detail in the face, low when blurred, tiny or flat. */
  sharpness: number;
  /** 0–100: the face's mean grey level. */
  brightness: number;
  /**
   * [0, 1]: the estimated chance that a same-person comparison of this face succeeds, fitted on the
   * training pairs; a pair is as reliable as its lower score. NaN where no quality model is fitted.
   */
  score: number;
}

export interface Face {
  box: Box;
  score: number;
  landmarks: Landmarks;
  /** On every face the engine reports (detect, verify). */
  headPose?: HeadPose;
  quality?: FaceQuality;
}

/** An image decoded to upright, 3-channel RGB, 8 bits per channel, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DetectOptions {
  minScore?: number;
  maxFaces?: number;
}

export interface DetectResult {
  width: number;
  height: number;
  faces: Face[];
}

/**
 * `far`: the estimated false-accept rate of the similarity, how often two different people score at
 * least this high (0.0001: about once in 10,000), from the embedder's calibration: measured on its
 * training impostors down to about 1e-4, a fitted tail below; at the top of its range it is the
 * curve's rarest rate, an upper bound.
 */
export interface FaceMatch {
  face: Face;
  similarity: number;
  match: boolean;
  far: number;
}

/** `profile` when either compared face is seen from the side: such pairs have a threshold of their own. */
export type Pose = 'frontal' | 'profile';

export interface VerifyResult {
  match: boolean;
  similarity: number;
  /** The threshold this pair was decided at: the request's, else the one calibrated for its pose. */
  threshold: number;
  /** See FaceMatch. */
  far: number;
  pose: Pose;
  source: Face;
  target: Face;
  /**
   * The compared faces whose quality score is poor (below the quality model's cut): the verdict on
   * them is less reliable. Empty when both are fine.
   */
  poorFaces: ('source' | 'target')[];
  /** Present when every target face was compared (allTargetFaces). */
  faceMatches?: FaceMatch[];
  unmatchedFaces?: Face[];
}

/** A face with its embedding, to compare with faces of other photos (1:1 or 1:N) without its image. */
export interface EmbeddedFace extends Face {
  /** This face's own pose: a pair with a face in profile is decided at the profile threshold. */
  pose: Pose;
  /** Unit length: the cosine of two is their dot product (functions/core/match.ts compares them). */
  embedding: Float32Array;
}

export interface EmbeddedImage {
  width: number;
  height: number;
  /** The faces embedded, largest first; none when the photo shows no face. */
  faces: EmbeddedFace[];
  /** Faces found but not embedded, beyond the `maxFaces` asked for (largest first). */
  unembeddedFaces: Face[];
}
