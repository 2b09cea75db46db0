/**
 * What the CLI prints: JSON lines in the API's shapes, and readable text for people. Pure.
 * Every JSON object is built key by key, so nothing else (embeddings, crops, timings) can leak out.
 */
import { describeComparison, describeFar, verdictLabel } from '../core/compare.ts';
import type { FaceVerifyError } from '../core/errors.ts';
import { poorFacesNote } from '../core/quality-words.ts';
import type { DetectResult, Face, FaceQuality, HeadPose, Point, Pose, VerifyResult } from '../core/types.ts';

export interface FaceJson {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: { leftEye: Point; rightEye: Point; nose: Point; mouthLeft: Point; mouthRight: Point };
  headPose?: HeadPose;
  quality?: FaceQuality;
}

export interface ErrorJson {
  code: string;
  message: string;
  /** Details such as which image of a pair failed: `image: 'source' | 'target'`. */
  [detail: string]: string | number;
}

export interface DetectJson {
  file: string;
  width: number;
  height: number;
  faces: FaceJson[];
}

export interface VerifyJson {
  match: boolean;
  similarity: number;
  threshold: number;
  far: number;
  pose: Pose;
  source: FaceJson;
  target: FaceJson;
  poorFaces: ('source' | 'target')[];
}

/** The pair's paths as written in the TSV, and its 1-based line there. */
export interface PairRef {
  a: string | null;
  b: string | null;
  line: number;
}

/** Pixel coordinates to 0.1 px, scores to 4 decimals: more would be noise. */
const px = (value: number): number => Math.round(value * 10) / 10;
const score = (value: number): number => Math.round(value * 1e4) / 1e4;
const point = ([x, y]: Point): Point => [px(x), px(y)];

export function faceJson(face: Face): FaceJson {
  const { box, landmarks } = face;
  return {
    box: { x: px(box.x), y: px(box.y), width: px(box.width), height: px(box.height) },
    score: score(face.score),
    landmarks: {
      leftEye: point(landmarks.leftEye),
      rightEye: point(landmarks.rightEye),
      nose: point(landmarks.nose),
      mouthLeft: point(landmarks.mouthLeft),
      mouthRight: point(landmarks.mouthRight),
    },
    ...(face.headPose && face.quality
      ? {
          headPose: { yaw: face.headPose.yaw, pitch: face.headPose.pitch, roll: face.headPose.roll },
          quality: {
            sharpness: face.quality.sharpness,
            brightness: face.quality.brightness,
            score: face.quality.score,
          },
        }
      : {}),
  };
}

export function detectJson(file: string, result: DetectResult): DetectJson {
  return { file, width: result.width, height: result.height, faces: result.faces.map(faceJson) };
}

export function verifyJson(result: VerifyResult): VerifyJson {
  return {
    match: result.match,
    similarity: result.similarity,
    threshold: result.threshold,
    far: result.far,
    pose: result.pose,
    source: faceJson(result.source),
    target: faceJson(result.target),
    poorFaces: [...result.poorFaces],
  };
}

export function pairJson(pair: PairRef, result: VerifyResult): PairRef & VerifyJson {
  return { a: pair.a, b: pair.b, line: pair.line, ...verifyJson(result) };
}

/** `{ code, message }` first, then the error's details (e.g. `image`). */
export function errorJson(error: FaceVerifyError): ErrorJson {
  const { code: _code, message: _message, ...details } = error.details ?? {};
  return { code: error.code, message: error.message, ...details };
}

/** `head` (e.g. `{ file }` or `{ a, b, line }`) followed by `error`. */
export function errorLine<T extends object>(head: T, error: FaceVerifyError): T & { error: ErrorJson } {
  return { ...head, error: errorJson(error) };
}

// ——— for people ———

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** `score 0.94  box 446,412 191×191` (left,top width×height, in pixels) */
export function describeFace(face: Face): string {
  const { x, y, width, height } = face.box;
  const box = `${Math.round(x)},${Math.round(y)} ${Math.round(width)}×${Math.round(height)}`;
  return `score ${face.score.toFixed(2)}  box ${box}`;
}

/** `  #1 score 0.94  box 446,412 191×191` */
export function formatFace(face: Face, index: number): string {
  return `  #${index + 1} ${describeFace(face)}`;
}

/** `sample1.jpg  1920×1280  4 faces`, then one line per face. */
export function formatDetection(file: string, result: DetectResult): string {
  const head = `${file}  ${result.width}×${result.height}  ${plural(result.faces.length, 'face', 'faces')}`;
  return [head, ...result.faces.map(formatFace)].join('\n');
}

/** `Same person (similarity 0.93 ≥ threshold 0.90)` or `Different people (similarity 0.41 < threshold 0.90)`. */
export function formatVerdict({
  match,
  similarity,
  threshold,
}: Pick<VerifyResult, 'match' | 'similarity' | 'threshold'>): string {
  return `${verdictLabel(match)} (${describeComparison(similarity, threshold, match)})`;
}

/**
 * The verdict, how rare such a score is between different people, then the face compared in each
 * image: `  A  a.jpg  score 0.94  box 446,412 191×191`.
 */
export function formatVerification(a: string, b: string, result: VerifyResult): string {
  const note = poorFacesNote(result);
  return [
    formatVerdict(result),
    `  ${result.pose} pair, false-accept rate ${result.far}: ${describeFar(result.far)}`,
    ...(note ? [`  ${note}`] : []),
    `  A  ${a}  ${describeFace(result.source)}`,
    `  B  ${b}  ${describeFace(result.target)}`,
  ].join('\n');
}

/** `a.jpg  b.jpg  Same person (…)` */
export function formatPair(pair: PairRef, result: VerifyResult): string {
  return `${pair.a}  ${pair.b}  ${formatVerdict(result)}`;
}

/** `missing.jpg  error NotFound: No such file: missing.jpg`, naming the image of a pair when the message does not. */
export function formatError(label: string, error: FaceVerifyError): string {
  const image = error.details?.image;
  const which = image === undefined || error.message.includes(`${image} image`) ? '' : ` (${image} image)`;
  return `${label}  error ${error.code}: ${error.message}${which}`;
}

export interface PairTally {
  same: number;
  different: number;
  errors: number;
}

/** `200 pairs: 97 same person, 98 different people, 5 errors` */
export function formatTally(tally: PairTally): string {
  const total = tally.same + tally.different + tally.errors;
  const errors = plural(tally.errors, 'error', 'errors');
  return `${plural(total, 'pair', 'pairs')}: ${tally.same} same person, ${tally.different} different people, ${errors}`;
}
