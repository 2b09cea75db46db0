/** Public shapes shared by the engine, the CLI, the HTTP API and the drop folder. */

export type Point = [x: number, y: number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The seed's MTCNN five, in pixels of the upright image. "Left" means the image's left side (the subject's right
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

export interface FaceMatch {
  face: Face;
  similarity: number;
  match: boolean;
}

export interface VerifyResult {
  match: boolean;
  similarity: number;
  threshold: number;
  source: Face;
  target: Face;
  /** Present when every target face was compared (allTargetFaces). */
  faceMatches?: FaceMatch[];
  unmatchedFaces?: Face[];
}
