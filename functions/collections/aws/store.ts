/**
 * The CollectionStore on AWS: records in DynamoDB (schema.ts), embeddings in Amazon S3 Vectors
 * (vectors.ts). DynamoDB is the source of truth: search answers only with faces whose record exists.
 *
 * Writes are single-item conditional writes and atomic counters (ADD), so the counts stay right under
 * concurrent enrolments and erasures: a person's face count moves atomically, and the one writer that
 * takes it from 0 (or to 0) moves the collection's subjectCount. Order, so that a failure leaves nothing
 * a caller can see wrongly: vectors are written before the records that make them searchable, and
 * deleted before the records that list them (an erasure never leaves an embedding behind a deleted
 * record). A failed enrolment removes what it wrote, never a face stored before it. Enrolment is
 * idempotent per faceId (an upload's faces have ids derived from it): a face already stored, or stored
 * by a concurrent delivery of the same upload, is left as it is and counted once. What is not covered: a
 * process killed between an enrolment's records and its counts leaves the counts low (see
 * docs/collections-aws.md); its retry finds the records and does not count them again.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { FaceVerifyError } from '../../core/errors.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import {
  type CollectionRecord,
  type CollectionStore,
  checkSameFace,
  type EmbedderRef,
  type FaceRecord,
  type Neighbour,
  type NewFace,
  type Page,
  type PageRequest,
} from '../store.ts';
import { TABLE_INDEXES } from './schema.ts';
import { type CollectionVectors, chunks, indexName } from './vectors.ts';

export interface AwsCollectionStoreOptions {
  /** A document client (lib-dynamodb) for the table's region or endpoint. */
  dynamo: DynamoDBDocumentClient;
  table: string;
  vectors: CollectionVectors;
}

interface CollectionItem {
  pk: string;
  sk: string;
  collectionId: string;
  modelName: string;
  modelVersion: string;
  dimension: number;
  faceCount: number;
  subjectCount: number;
  createdAt: string;
  generation: string;
}

interface FaceItem extends FaceRecord {
  pk: string;
  sk: string;
  byTime: string;
  bySubject: string;
}

/** DynamoDB allows 100 keys per BatchGetItem. */
const BATCH_GET = 100;
/** Single-item writes in flight at once for one request. */
const PARALLEL_WRITES = 16;

const ownerKey = (owner: string) => `owner#${encodeURIComponent(owner)}`;
const collectionKey = (collectionId: string) => `collection#${collectionId}`;
const facesKey = (generation: string) => `faces#${generation}`;
const faceKey = (faceId: string) => `face#${faceId}`;
const subjectKey = (externalId: string) => `subject#${externalId}`;

export class AwsCollectionStore implements CollectionStore {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly vectors: CollectionVectors;

  constructor(options: AwsCollectionStoreOptions) {
    this.dynamo = options.dynamo;
    this.table = options.table;
    this.vectors = options.vectors;
  }

  async createCollection(
    owner: string,
    collectionId: string,
    model: EmbedderRef,
    dimension: number,
  ): Promise<{ collection: CollectionRecord; created: boolean }> {
    const item: CollectionItem = {
      pk: ownerKey(owner),
      sk: collectionKey(collectionId),
      collectionId,
      modelName: model.name,
      modelVersion: model.version,
      dimension,
      faceCount: 0,
      subjectCount: 0,
      createdAt: new Date().toISOString(),
      generation: randomUUID(),
    };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.collectionItem(owner, collectionId);
      // Deleted again in between: a lost race with a delete, which a retry of the create settles.
      if (!existing) throw error;
      return { collection: toCollection(existing), created: false };
    }
    await this.vectors.createIndex(this.indexOf(owner, item), dimension);
    return { collection: toCollection(item), created: true };
  }

  async getCollection(owner: string, collectionId: string): Promise<CollectionRecord | undefined> {
    const item = await this.collectionItem(owner, collectionId);
    return item && toCollection(item);
  }

  async listCollections(owner: string, page: PageRequest): Promise<Page<CollectionRecord>> {
    const { items, nextToken } = await this.queryPage<CollectionItem>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': ownerKey(owner), ':prefix': collectionKey('') },
      },
      page,
      { attributes: ['pk', 'sk'], of: (item) => [item.pk, item.sk] },
    );
    return { items: items.map(toCollection), ...(nextToken && { nextToken }) };
  }

  async deleteCollection(owner: string, collectionId: string): Promise<boolean> {
    const item = await this.collectionItem(owner, collectionId);
    if (!item) return false;
    // Children first, the collection last: an interrupted delete leaves a collection that a retry finishes.
    await this.vectors.deleteIndex(this.indexOf(owner, item));
    for (;;) {
      const { Items = [] } = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': facesKey(item.generation) },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
        }),
      );
      if (Items.length === 0) break;
      await inParallel(Items, (key) =>
        this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk } })),
      );
    }
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: item.pk, sk: item.sk },
          ConditionExpression: 'generation = :generation',
          ExpressionAttributeValues: { ':generation': item.generation },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false; // a concurrent delete won
      throw error;
    }
    return true;
  }

  async addFaces(owner: string, collectionId: string, faces: readonly NewFace[]): Promise<void> {
    const collection = await this.requireCollection(owner, collectionId);
    for (const face of faces) {
      if (face.embedding.length !== collection.dimension) {
        throw new Error(
          `embedding of ${face.embedding.length} values for a ${collection.dimension}-d collection`,
        );
      }
    }
    if (faces.length === 0) return;
    const index = this.indexOf(owner, collection);
    const pk = facesKey(collection.generation);
    // A retried enrolment of the same upload brings the faceIds it stored before: those stay as they are.
    const stored = await this.faceItems(
      pk,
      faces.map((face) => face.faceId),
    );
    for (const face of faces) {
      const item = stored.get(face.faceId);
      if (item) checkSameFace(face, item.externalId);
    }
    const fresh = faces.filter((face) => !stored.has(face.faceId));
    if (fresh.length === 0) return;
    await this.vectors.put(index, collection.dimension, fresh);
    const written: NewFace[] = [];
    // Faces a concurrent delivery of the same upload stored first: theirs, so never undone by us.
    const raced: NewFace[] = [];
    try {
      let failure: { error: unknown } | undefined;
      // Every write settles before any undo, so an undo never races a write it does not know of.
      await inParallel(fresh, async (face) => {
        try {
          await this.dynamo.send(
            new PutCommand({
              TableName: this.table,
              Item: faceItem(pk, face),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          written.push(face);
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) raced.push(face);
          else failure ??= { error };
        }
      });
      if (failure) throw failure.error;
      const racedItems = await this.faceItems(
        pk,
        raced.map((face) => face.faceId),
      );
      for (const face of raced) checkSameFace(face, racedItems.get(face.faceId)?.externalId ?? '');
      if (written.length === 0) return;
      const newSubjects = await this.countFaces(pk, written, +1);
      if (!(await this.addToCounts(collection, written.length, newSubjects))) {
        throw notFound(collectionId); // deleted while we enrolled
      }
    } catch (error) {
      await this.undoEnrolment(
        index,
        pk,
        fresh.filter((face) => !raced.includes(face)),
        written,
      );
      throw error;
    }
  }

  async listFaces(
    owner: string,
    collectionId: string,
    page: PageRequest & { externalId?: string },
  ): Promise<Page<FaceRecord>> {
    const collection = await this.requireCollection(owner, collectionId);
    const pk = facesKey(collection.generation);
    const query =
      page.externalId === undefined
        ? {
            IndexName: TABLE_INDEXES.byTime.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
          }
        : {
            IndexName: TABLE_INDEXES.bySubject.name,
            KeyConditionExpression: 'pk = :pk AND begins_with(bySubject, :prefix)',
            ExpressionAttributeValues: { ':pk': pk, ':prefix': `${page.externalId}#` },
          };
    const indexKey = page.externalId === undefined ? 'byTime' : 'bySubject';
    const { items, nextToken } = await this.queryPage<FaceItem>(query, page, {
      attributes: ['pk', 'sk', indexKey],
      of: (item) => [item.pk, item.sk, item[indexKey]],
    });
    return { items: items.map(toFace), ...(nextToken && { nextToken }) };
  }

  async deleteFace(owner: string, collectionId: string, faceId: string): Promise<boolean> {
    const collection = await this.collectionItem(owner, collectionId);
    if (!collection) return false;
    const pk = facesKey(collection.generation);
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk: faceKey(faceId) }, ConsistentRead: true }),
    );
    if (!Item) return false;
    return (await this.deleteFaces(owner, collection, [Item as FaceItem])) === 1;
  }

  async deleteSubject(owner: string, collectionId: string, externalId: string): Promise<number> {
    const collection = await this.collectionItem(owner, collectionId);
    if (!collection) return 0;
    const pk = facesKey(collection.generation);
    const faces: FaceItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const answer = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_INDEXES.bySubject.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(bySubject, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': `${externalId}#` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      faces.push(...((answer.Items ?? []) as FaceItem[]));
      start = answer.LastEvaluatedKey;
    } while (start);
    return this.deleteFaces(owner, collection, faces);
  }

  async search(
    owner: string,
    collectionId: string,
    probe: Float32Array,
    maxResults: number,
  ): Promise<Neighbour[]> {
    const collection = await this.requireCollection(owner, collectionId);
    if (collection.faceCount === 0) return [];
    const hits = await this.vectors.nearestPeople(this.indexOf(owner, collection), probe, maxResults);
    // A vector whose record is gone (an erasure under way) is not an answer.
    const records = await this.faceItems(
      facesKey(collection.generation),
      hits.map((hit) => hit.faceId),
    );
    return hits.flatMap((hit) => {
      const face = records.get(hit.faceId);
      return face ? [{ face: toFace(face), similarity: hit.similarity }] : [];
    });
  }

  async close(): Promise<void> {
    this.dynamo.destroy();
    this.vectors.close();
  }

  private indexOf(owner: string, item: CollectionItem): string {
    return indexName({
      owner,
      collectionId: item.collectionId,
      model: { name: item.modelName, version: item.modelVersion },
      generation: item.generation,
    });
  }

  private async collectionItem(owner: string, collectionId: string): Promise<CollectionItem | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: ownerKey(owner), sk: collectionKey(collectionId) },
        ConsistentRead: true,
      }),
    );
    return Item as CollectionItem | undefined;
  }

  private async requireCollection(owner: string, collectionId: string): Promise<CollectionItem> {
    const item = await this.collectionItem(owner, collectionId);
    if (!item) throw notFound(collectionId);
    return item;
  }

  /** Vectors first, so no embedding outlives its record; then records, then counts. */
  private async deleteFaces(owner: string, collection: CollectionItem, faces: FaceItem[]): Promise<number> {
    if (faces.length === 0) return 0;
    await this.vectors.delete(
      this.indexOf(owner, collection),
      faces.map((face) => face.faceId),
    );
    const deleted: FaceItem[] = [];
    await inParallel(faces, async (face) => {
      const { Attributes } = await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: face.pk, sk: face.sk },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (Attributes) deleted.push(face); // not already deleted by a concurrent caller
    });
    if (deleted.length === 0) return 0;
    const goneSubjects = await this.countFaces(facesKey(collection.generation), deleted, -1);
    await this.addToCounts(collection, -deleted.length, -goneSubjects);
    return deleted.length;
  }

  /** False when the collection (this generation of it) is gone. */
  private async addToCounts(collection: CollectionItem, faces: number, subjects: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: collection.pk, sk: collection.sk },
          UpdateExpression: 'ADD faceCount :faces, subjectCount :subjects',
          ConditionExpression: 'generation = :generation',
          ExpressionAttributeValues: {
            ':faces': faces,
            ':subjects': subjects,
            ':generation': collection.generation,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Moves each person's face count by `sign` × their faces; the number of people this call brought
   * into the collection (sign +1) or took out of it (sign −1). ADD is atomic, so of two concurrent
   * callers exactly one sees a count leave (or reach) zero.
   */
  private async countFaces(pk: string, faces: readonly FaceRecord[], sign: 1 | -1): Promise<number> {
    const perPerson = new Map<string, number>();
    for (const face of faces) perPerson.set(face.externalId, (perPerson.get(face.externalId) ?? 0) + 1);
    let changed = 0;
    await inParallel([...perPerson], async ([externalId, count]) => {
      const key = { pk, sk: subjectKey(externalId) };
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'ADD faceCount :n',
          ExpressionAttributeValues: { ':n': sign * count },
          ReturnValues: sign > 0 ? 'UPDATED_OLD' : 'UPDATED_NEW',
        }),
      );
      const value = Number(Attributes?.faceCount ?? 0);
      if (value <= 0) changed += 1;
      if (sign < 0 && value <= 0) {
        // The person is gone: drop their counter (and so their externalId), unless a face came back.
        try {
          await this.dynamo.send(
            new DeleteCommand({
              TableName: this.table,
              Key: key,
              ConditionExpression: 'faceCount <= :zero',
              ExpressionAttributeValues: { ':zero': 0 },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    });
    return changed;
  }

  /** Best effort: a failed enrolment takes back its vectors and the records it wrote. */
  private async undoEnrolment(index: string, pk: string, faces: readonly NewFace[], written: NewFace[]) {
    await Promise.allSettled([
      this.vectors.delete(
        index,
        faces.map((face) => face.faceId),
      ),
      inParallel(written, (face) =>
        this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { pk, sk: faceKey(face.faceId) } })),
      ),
    ]);
  }

  private async faceItems(pk: string, faceIds: readonly string[]): Promise<Map<string, FaceItem>> {
    const found = new Map<string, FaceItem>();
    for (const batch of chunks(faceIds, BATCH_GET)) {
      let keys: Record<string, unknown>[] | undefined = batch.map((faceId) => ({ pk, sk: faceKey(faceId) }));
      while (keys && keys.length > 0) {
        const answer: BatchGetCommandOutput = await this.dynamo.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of (answer.Responses?.[this.table] ?? []) as FaceItem[]) found.set(item.faceId, item);
        keys = answer.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  /**
   * One page in key order. Asks for one item more than the page, so `nextToken` is given only when
   * another item follows; the token is the last returned item's key, opaque to the caller.
   */
  private async queryPage<T extends { pk: string; sk: string }>(
    query: {
      IndexName?: string;
      KeyConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    page: PageRequest,
    keyOf: KeyOf<T>,
  ): Promise<{ items: T[]; nextToken?: string }> {
    const items: T[] = [];
    let start = page.nextToken === undefined ? undefined : startKey(page.nextToken, query, keyOf);
    do {
      const answer: QueryCommandOutput = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          ...query,
          ConsistentRead: true,
          Limit: page.limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((answer.Items ?? []) as T[]));
      start = answer.LastEvaluatedKey;
    } while (start && items.length <= page.limit);
    if (items.length <= page.limit) return { items };
    const shown = items.slice(0, page.limit);
    const last = shown[shown.length - 1] as T;
    return { items: shown, nextToken: encodePageToken(keyOf.of(last)) };
  }
}

/** The key attributes that resume a query after an item, and their values for one item. */
interface KeyOf<T> {
  attributes: readonly string[];
  of: (item: T) => string[];
}

/** The start key a page token names, if it belongs to this listing (another owner's is refused). */
function startKey<T>(
  token: string,
  query: { ExpressionAttributeValues: Record<string, unknown> },
  keyOf: KeyOf<T>,
): Record<string, string> {
  const values = decodePageToken(token, keyOf.attributes.length);
  if (values[0] !== query.ExpressionAttributeValues[':pk']) {
    throw new FaceVerifyError('InvalidRequest', 'nextToken is not one this service handed out');
  }
  return Object.fromEntries(keyOf.attributes.map((name, i) => [name, values[i] as string]));
}

function faceItem(pk: string, face: NewFace): FaceItem {
  return {
    pk,
    sk: faceKey(face.faceId),
    byTime: `${face.createdAt}#${face.faceId}`,
    bySubject: `${face.externalId}#${face.createdAt}#${face.faceId}`,
    faceId: face.faceId,
    externalId: face.externalId,
    box: { x: face.box.x, y: face.box.y, width: face.box.width, height: face.box.height },
    pose: face.pose,
    createdAt: face.createdAt,
  };
}

function toCollection(item: CollectionItem): CollectionRecord {
  return {
    collectionId: item.collectionId,
    model: { name: item.modelName, version: item.modelVersion },
    dimension: Number(item.dimension),
    faceCount: Number(item.faceCount),
    subjectCount: Number(item.subjectCount),
    createdAt: item.createdAt,
  };
}

function toFace(item: FaceItem): FaceRecord {
  const box = item.box;
  return {
    faceId: item.faceId,
    externalId: item.externalId,
    box: { x: Number(box.x), y: Number(box.y), width: Number(box.width), height: Number(box.height) },
    pose: item.pose,
    createdAt: item.createdAt,
  };
}

function notFound(collectionId: string): FaceVerifyError {
  return new FaceVerifyError('CollectionNotFound', `No collection named '${collectionId}'.`);
}

/** Runs `work` over the items, at most PARALLEL_WRITES at once; the first failure rejects. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, items.length) }, worker));
}
