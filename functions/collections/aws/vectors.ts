/**
 * The embeddings of one collection in Amazon S3 Vectors: one index per collection (and embedder), its
 * name derived from the collection's record, cosine distance, the face's id as the vector's key and the
 * person's `externalId` as its one (filterable) metadata key. Requests are cut to the API's batch and
 * top-K limits (limits.ts).
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateIndexCommand,
  DeleteIndexCommand,
  DeleteVectorsCommand,
  NotFoundException,
  PutVectorsCommand,
  QueryVectorsCommand,
  type QueryVectorsCommandOutput,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors';
import { S3_VECTORS_LIMITS } from './limits.ts';
import { INDEX_NAME_PREFIX } from './schema.ts';

/** What names a collection's index: its owner and id, the embedder, and the collection's generation. */
export interface IndexIdentity {
  owner: string;
  collectionId: string;
  model: { name: string; version: string };
  /** Drawn when the collection was created: a re-created collection gets a fresh, empty index. */
  generation: string;
}

/**
 * `fv-` and 56 hex digits of a SHA-256: fits `[a-z0-9.-]{3,63}` whatever the owner (a JWT `sub`, an IAM
 * ARN) or collection id holds, and the same record always maps to the same index.
 */
export function indexName(identity: IndexIdentity): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        identity.owner,
        identity.collectionId,
        identity.model.name,
        identity.model.version,
        identity.generation,
      ]),
    )
    .digest('hex');
  return `${INDEX_NAME_PREFIX}${hash.slice(0, 56)}`;
}

export interface VectorHit {
  faceId: string;
  externalId: string;
  /** Cosine similarity: 1 − the cosine distance S3 Vectors returns. */
  similarity: number;
}

export class CollectionVectors {
  constructor(
    private readonly client: S3VectorsClient,
    private readonly bucket: string,
  ) {}

  close(): void {
    this.client.destroy();
  }

  /** Creates the index; an index already there (a concurrent creator, a retried request) is kept. */
  async createIndex(index: string, dimension: number): Promise<void> {
    try {
      await this.client.send(
        new CreateIndexCommand({
          vectorBucketName: this.bucket,
          indexName: index,
          dataType: 'float32',
          dimension,
          distanceMetric: 'cosine',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  async deleteIndex(index: string): Promise<void> {
    try {
      await this.client.send(new DeleteIndexCommand({ vectorBucketName: this.bucket, indexName: index }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
    }
  }

  /** Writes the vectors in batches of at most 500, creating the index first if it is missing. */
  async put(
    index: string,
    dimension: number,
    faces: readonly { faceId: string; externalId: string; embedding: Float32Array }[],
  ): Promise<void> {
    for (const batch of chunks(faces, S3_VECTORS_LIMITS.putBatch)) {
      const command = new PutVectorsCommand({
        vectorBucketName: this.bucket,
        indexName: index,
        vectors: batch.map((face) => ({
          key: face.faceId,
          data: { float32: Array.from(face.embedding) },
          metadata: { externalId: face.externalId },
        })),
      });
      try {
        await this.client.send(command);
      } catch (error) {
        // The collection's creator made the index; one interrupted before it did leaves it to the first enrolment.
        if (!(error instanceof NotFoundException)) throw error;
        await this.createIndex(index, dimension);
        await this.client.send(command);
      }
    }
  }

  /** Deletes the vectors in batches of at most 500; keys that are not there are no error. */
  async delete(index: string, faceIds: readonly string[]): Promise<void> {
    for (const keys of chunks(faceIds, S3_VECTORS_LIMITS.deleteBatch)) {
      try {
        await this.client.send(
          new DeleteVectorsCommand({ vectorBucketName: this.bucket, indexName: index, keys }),
        );
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error;
        return; // no index, so no vectors
      }
    }
  }

  /**
   * The nearest face of each of up to `people` distinct people, nearest first. One query of top-K 100
   * usually holds them; when it does not (many faces per person), the next query leaves out the people
   * already found, so every round adds at least one person until the index has no more.
   */
  async nearestPeople(index: string, probe: Float32Array, people: number): Promise<VectorHit[]> {
    const best = new Map<string, VectorHit>();
    const queryVector = { float32: Array.from(probe) };
    while (best.size < people) {
      let answer: QueryVectorsCommandOutput;
      try {
        answer = await this.client.send(
          new QueryVectorsCommand({
            vectorBucketName: this.bucket,
            indexName: index,
            topK: S3_VECTORS_LIMITS.topK,
            queryVector,
            returnDistance: true,
            returnMetadata: true,
            ...(best.size > 0 && { filter: { externalId: { $nin: [...best.keys()] } } }),
          }),
        );
      } catch (error) {
        if (error instanceof NotFoundException) return []; // nothing enrolled yet
        throw error;
      }
      const vectors = answer.vectors ?? [];
      const found = best.size;
      for (const vector of vectors) {
        const externalId = (vector.metadata as { externalId?: unknown } | undefined)?.externalId;
        if (!vector.key || typeof externalId !== 'string' || vector.distance === undefined) continue;
        const hit = { faceId: vector.key, externalId, similarity: 1 - vector.distance };
        const known = best.get(externalId);
        if (!known || hit.similarity > known.similarity) best.set(externalId, hit);
      }
      // The index holds no more (or, against the filter's promise, gave no one new: never loop on it).
      if (vectors.length < S3_VECTORS_LIMITS.topK || best.size === found) break;
    }
    return [...best.values()].sort((a, b) => b.similarity - a.similarity).slice(0, people);
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
