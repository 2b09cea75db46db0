/**
 * Where collections live: one interface that every store implements (SQLite locally, DynamoDB + Amazon
 * S3 Vectors on AWS) and one contract test suite proves. A store keeps records and embeddings, never
 * an image. Names and ids arrive validated (the service checks them); every call is scoped to an owner,
 * so one caller's collection is invisible to another's (the same id may exist under two owners).
 */
import type { Box, Pose } from '../core/types.ts';

/** The embedder that filled a collection: searching with another one would compare unlike vectors. */
export interface EmbedderRef {
  name: string;
  version: string;
}

export interface CollectionRecord {
  collectionId: string;
  model: EmbedderRef;
  /** The embedding's length, fixed by the model. */
  dimension: number;
  faceCount: number;
  /** Distinct externalIds with at least one face. */
  subjectCount: number;
  /** ISO 8601. */
  createdAt: string;
}

/** What a face's listing shows: never its embedding. */
export interface FaceRecord {
  /** A UUID, made by the service: random, or derived from an upload's identity (derived-face-id.ts). */
  faceId: string;
  externalId: string;
  box: Box;
  /** The threshold curve its comparisons are decided on. */
  pose: Pose;
  /** ISO 8601. */
  createdAt: string;
}

export interface NewFace extends FaceRecord {
  /** Unit length, `dimension` long. */
  embedding: Float32Array;
}

export interface Page<T> {
  items: T[];
  /** Opaque: pass it back to get the next page; absent on the last one. */
  nextToken?: string;
}

export interface PageRequest {
  limit: number;
  nextToken?: string;
}

/** One enrolled person's best face for a probe: the nearest of their faces. */
export interface Neighbour {
  face: FaceRecord;
  /** Cosine similarity of the probe and this face. */
  similarity: number;
}

export interface CollectionStore {
  /** Creates the collection, or returns the existing one unchanged (`created: false`). */
  createCollection(
    owner: string,
    collectionId: string,
    model: EmbedderRef,
    dimension: number,
  ): Promise<{ collection: CollectionRecord; created: boolean }>;
  getCollection(owner: string, collectionId: string): Promise<CollectionRecord | undefined>;
  /** By collectionId ascending. */
  listCollections(owner: string, page: PageRequest): Promise<Page<CollectionRecord>>;
  /** Deletes the collection with every face and vector; false when there was none. */
  deleteCollection(owner: string, collectionId: string): Promise<boolean>;
  /**
   * Adds the faces atomically (all or none) and updates the counts; safe under concurrent calls.
   * Idempotent per face: a face whose faceId the collection holds already (a retried enrolment of the
   * same upload) is left as it is and not counted again. Throws FaceVerifyError CollectionNotFound when
   * the collection does not exist.
   */
  addFaces(owner: string, collectionId: string, faces: readonly NewFace[]): Promise<void>;
  /** By createdAt then faceId; only that person's with `externalId`. CollectionNotFound when absent. */
  listFaces(
    owner: string,
    collectionId: string,
    page: PageRequest & { externalId?: string },
  ): Promise<Page<FaceRecord>>;
  /** False when the face (or the collection) does not exist. */
  deleteFace(owner: string, collectionId: string, faceId: string): Promise<boolean>;
  /** Every face of one person (an erasure request), vectors included; the number deleted. */
  deleteSubject(owner: string, collectionId: string, externalId: string): Promise<number>;
  /**
   * The `maxResults` most similar people to the probe (each by their most similar face), similarity
   * descending; exact unless the store documents otherwise. CollectionNotFound when absent.
   */
  search(owner: string, collectionId: string, probe: Float32Array, maxResults: number): Promise<Neighbour[]>;
  close(): Promise<void>;
}

/**
 * A retried face must be the face stored under its id: a faceId is derived from the upload's bytes, so
 * another person under it is a fault of ours, never the caller's.
 */
export function checkSameFace(
  face: Pick<FaceRecord, 'faceId' | 'externalId'>,
  storedExternalId: string,
): void {
  if (storedExternalId !== face.externalId) {
    throw new Error(`face ${face.faceId} is stored for another person; a faceId is never reused`);
  }
}
