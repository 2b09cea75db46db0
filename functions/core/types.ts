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

export interface Face {
  box: Box;
  score: number;
  landmarks: Landmarks;
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
 * least this high (0.0001: about once in 10,000), from the embedder's calibration; at the top of its
 * range it is the rarest rate the calibration measured, an upper bound.
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
