/** The HTTP API's response shapes, as the page reads them (see /openapi.json). */

export type { Box, FaceQuality, HeadPose, Landmarks, Point, Pose } from '../../functions/core/types.ts';

import type { Box, FaceQuality, HeadPose, Landmarks, Pose } from '../../functions/core/types.ts';

export interface Size {
  width: number;
  height: number;
}

export interface Face {
  box: Box;
  score: number;
  landmarks: Landmarks;
  headPose?: HeadPose;
  quality?: FaceQuality;
  /** Base64 PNG of the aligned face, with `crops=true`. */
  crop?: string;
}

export interface DetectResponse extends Size {
  faces: Face[];
  model?: unknown;
  timings?: unknown;
}

export interface VerifyResponse {
  match: boolean;
  similarity: number;
  threshold: number;
  /** Estimated false-accept rate of the similarity. */
  far: number;
  pose: Pose;
  source: Face;
  target: Face;
  /** The compared faces whose quality is poor. */
  poorFaces?: ('source' | 'target')[];
  model?: unknown;
  timings?: unknown;
}

export interface S3Ref {
  bucket: string;
  key: string;
}

export interface UploadTicket {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  s3: S3Ref;
}

export interface UploadsResponse {
  uploads: UploadTicket[];
  expiresIn: number;
}

/** An image as a request carries it: its bytes, or where /uploads put it. */
export type ImagePayload = { kind: 'bytes'; blob: Blob } | { kind: 's3'; s3: S3Ref };
