/** The HTTP API's response shapes, as the page reads them (see /openapi.json): core's, plus the API's fields. */

import type {
  Box,
  DetectResult,
  Face as EngineFace,
  Pose,
  VerifyResult,
} from '../../functions/core/types.ts';
import type { ModelSummary } from '../../functions/shared/model-summary.ts';

export type { Box, Landmarks, Point, Pose } from '../../functions/core/types.ts';

export interface Size {
  width: number;
  height: number;
}

export interface Face extends EngineFace {
  /** Base64 PNG of the aligned face, with `crops=true`. */
  crop?: string;
}

export interface DetectResponse extends Omit<DetectResult, 'faces'> {
  faces: Face[];
  model?: ModelSummary;
  timings?: unknown;
}

export interface VerifyResponse extends VerifyResult {
  model?: ModelSummary;
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

/** A collection of enrolled faces (`/collections`). */
export interface Collection {
  collectionId: string;
  model: { name: string; version: string };
  faceCount: number;
  /** Distinct people (externalIds). */
  subjectCount: number;
  createdAt: string;
}

/** One page of a listing: `nextToken` fetches the next, absent on the last. */
export interface Paged {
  nextToken?: string;
}

export interface CollectionList extends Paged {
  collections: Collection[];
}

export interface IndexedFace extends Face {
  faceId: string;
  externalId: string;
  pose: Pose;
}

export interface IndexFacesResponse {
  faces: IndexedFace[];
  /** Faces seen but not enrolled, e.g. beyond `maxFaces`. */
  unindexedFaces: { box: Box; reason: string }[];
  model?: unknown;
}

/** An enrolled face as listed: never its embedding. */
export interface ListedFace {
  faceId: string;
  externalId: string;
  box: Box;
  createdAt: string;
}

export interface FaceList extends Paged {
  faces: ListedFace[];
}

/** One enrolled person, by their most similar face. */
export interface SearchMatch {
  externalId: string;
  faceId: string;
  similarity: number;
  /** The threshold this person was decided at. */
  threshold: number;
  far: number;
  match: boolean;
}

export interface SearchResponse {
  searchedFace: Face & { pose: Pose };
  /** Most similar first, one per person, whether or not they match. */
  matches: SearchMatch[];
  /** Estimated chance that someone not enrolled scores the top similarity against some face here. */
  fpir: number;
  faceCount: number;
  model?: unknown;
  timings?: unknown;
}
