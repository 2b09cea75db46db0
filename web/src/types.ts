/** The HTTP API's response shapes, as the page reads them (see /openapi.json): core's, plus the API's fields. */

import type {
  collectionView,
  faceView,
  IndexResult,
  SearchMatch,
  SearchResult,
} from '../../functions/collections/collections.ts';
import type { DetectResult, Face as EngineFace, VerifyResult } from '../../functions/core/types.ts';
import type { ModelSummary } from '../../functions/shared/model-summary.ts';

export type { Box, FaceQuality, HeadPose, Landmarks, Point, Pose } from '../../functions/core/types.ts';

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

/** A collection of enrolled faces (`/collections`), as the service shows it. */
export type Collection = ReturnType<typeof collectionView>;

/** One page of a listing: `nextToken` fetches the next, absent on the last. */
export interface Paged {
  nextToken?: string;
}

export interface CollectionList extends Paged {
  collections: Collection[];
}

export interface IndexFacesResponse extends IndexResult {
  model?: ModelSummary;
}

/** An enrolled face as listed: never its embedding. */
export type ListedFace = ReturnType<typeof faceView>;

export interface FaceList extends Paged {
  faces: ListedFace[];
}

export type { SearchMatch };

export interface SearchResponse extends Omit<SearchResult, 'timings'> {
  model?: ModelSummary;
  timings?: unknown;
}
