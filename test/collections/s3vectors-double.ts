/**
 * An Amazon S3 Vectors endpoint for tests: a local HTTP server that the real `S3VectorsClient` talks
 * to (restJson1: `POST /<Operation>` with a JSON body). No emulator exists, so this one implements the
 * operations the store uses and REFUSES what the real service refuses, with the documented error shapes:
 * names, dimensions, batch sizes, top-K, metadata sizes and float32 values are checked against the
 * Amazon S3 User Guide's "Limitations and restrictions" and the API reference (read 2026-12-06):
 * - docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-limitations.html: dimension 1–4,096;
 *   ≤ 500 vectors per PutVectors and per DeleteVectors; top-K ≤ 100 per QueryVectors; ≤ 40 KB metadata
 *   per vector of which ≤ 2 KB filterable; ≤ 50 metadata keys per vector; ≤ 10 non-filterable keys per
 *   index; ≤ 20 MiB per request; ≤ 10,000 indexes per vector bucket.
 * - API_S3VectorBuckets_PutVectors: data must be float32 values; for cosine, no zero vectors; no NaN or
 *   Infinity. ListOutputVector/PutInputVector: key length 1–1,024.
 * - s3-vectors-metadata-filtering: operators $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or.
 * Queries are answered exactly (brute force), which a real index answers approximately.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { S3_VECTORS_LIMITS } from '../../functions/collections/aws/limits.ts';
import { cosineSimilarity } from '../../functions/core/compare.ts';

const MAX_INDEXES_PER_BUCKET = 10_000;

type Metadata = Record<string, unknown>;
interface StoredVector {
  data: number[];
  metadata: Metadata;
}
interface Index {
  dimension: number;
  distanceMetric: 'cosine' | 'euclidean';
  nonFilterable: Set<string>;
  vectors: Map<string, StoredVector>;
}

/** One call the double answered (or refused), for tests that check what the store asked. */
export interface Call {
  operation: string;
  input: Record<string, unknown>;
  /** The error type it answered with, if it refused. */
  error?: string;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string) => new ApiError('ValidationException', 400, message);
const notFound = (message: string) => new ApiError('NotFoundException', 404, message);

export class S3VectorsDouble {
  readonly calls: Call[] = [];
  private readonly indexes = new Map<string, Index>();
  private server: Server | undefined;
  /** Set by start(). */
  endpoint = '';

  constructor(readonly bucket: string) {
    if (!S3_VECTORS_LIMITS.bucketNamePattern.test(bucket)) throw new Error(`bad bucket name ${bucket}`);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A real client pointed at this endpoint. */
  client(): S3VectorsClient {
    return new S3VectorsClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  }

  indexNames(): string[] {
    return [...this.indexes.keys()];
  }

  vectorKeys(index: string): string[] {
    return [...(this.indexes.get(index)?.vectors.keys() ?? [])];
  }

  callsOf(operation: string): Call[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = (request.url ?? '').replace(/^\//, '').split('?')[0] ?? '';
    let input: Record<string, unknown> = {};
    try {
      if (request.method !== 'POST') throw invalid(`${request.method} is not an S3 Vectors operation`);
      if (body.length > S3_VECTORS_LIMITS.payloadBytes) throw invalid('Request payload exceeds 20 MiB');
      input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      const output = this.answer(operation, input);
      this.calls.push({ operation, input });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(output));
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError('InternalServerException', 500, String(error));
      this.calls.push({ operation, input, error: apiError.type });
      response.writeHead(apiError.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': apiError.type,
      });
      response.end(JSON.stringify({ __type: apiError.type, message: apiError.message }));
    }
  }

  private answer(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateIndex':
        return this.createIndex(input);
      case 'DeleteIndex':
        this.indexes.delete(this.existingIndexName(input));
        return {};
      case 'PutVectors':
        return this.putVectors(input);
      case 'DeleteVectors':
        return this.deleteVectors(input);
      case 'QueryVectors':
        return this.queryVectors(input);
      default:
        throw invalid(`the double does not implement ${operation}`);
    }
  }

  private createIndex(input: Record<string, unknown>): unknown {
    const name = this.indexName(input);
    const { dataType, dimension, distanceMetric, metadataConfiguration } = input;
    if (dataType !== 'float32') throw invalid('dataType must be float32');
    if (!Number.isInteger(dimension) || (dimension as number) < 1) throw invalid('dimension must be ≥ 1');
    if ((dimension as number) > S3_VECTORS_LIMITS.maxDimension) throw invalid('dimension must be ≤ 4096');
    if (distanceMetric !== 'cosine' && distanceMetric !== 'euclidean') {
      throw invalid('distanceMetric must be cosine or euclidean');
    }
    const nonFilterable =
      (metadataConfiguration as { nonFilterableMetadataKeys?: string[] } | undefined)
        ?.nonFilterableMetadataKeys ?? [];
    if (nonFilterable.length > S3_VECTORS_LIMITS.nonFilterableKeys) {
      throw invalid('at most 10 non-filterable metadata keys');
    }
    if (this.indexes.has(name)) throw new ApiError('ConflictException', 409, `index ${name} exists`);
    if (this.indexes.size >= MAX_INDEXES_PER_BUCKET) {
      throw new ApiError('ServiceQuotaExceededException', 402, 'vector bucket holds 10,000 indexes');
    }
    this.indexes.set(name, {
      dimension: dimension as number,
      distanceMetric,
      nonFilterable: new Set(nonFilterable),
      vectors: new Map(),
    });
    return {};
  }

  private putVectors(input: Record<string, unknown>): unknown {
    const index = this.index(input);
    const vectors = input.vectors;
    if (!Array.isArray(vectors) || vectors.length < 1) throw invalid('vectors must hold at least 1 vector');
    if (vectors.length > S3_VECTORS_LIMITS.putBatch) throw invalid('at most 500 vectors per PutVectors');
    const accepted = vectors.map((vector: { key?: unknown; data?: unknown; metadata?: unknown }) => {
      const key = checkKey(vector.key);
      const data = this.vectorData(index, vector.data);
      const metadata = checkMetadata(index, vector.metadata);
      return [key, { data, metadata }] as const;
    });
    for (const [key, vector] of accepted) index.vectors.set(key, vector);
    return {};
  }

  private deleteVectors(input: Record<string, unknown>): unknown {
    const index = this.index(input);
    const keys = input.keys;
    if (!Array.isArray(keys) || keys.length < 1) throw invalid('keys must hold at least 1 key');
    if (keys.length > S3_VECTORS_LIMITS.deleteBatch) throw invalid('at most 500 keys per DeleteVectors');
    for (const key of keys) index.vectors.delete(checkKey(key));
    return {};
  }

  private queryVectors(input: Record<string, unknown>): unknown {
    const index = this.index(input);
    const { topK, queryVector, filter, returnMetadata, returnDistance } = input;
    if (!Number.isInteger(topK) || (topK as number) < 1) throw invalid('topK must be ≥ 1');
    if ((topK as number) > S3_VECTORS_LIMITS.topK) throw invalid('topK must be ≤ 100');
    const probe = this.vectorData(index, queryVector);
    const matches = filter === undefined ? () => true : compileFilter(filter, index);
    const ranked = [...index.vectors]
      .filter(([, vector]) => matches(vector.metadata))
      .map(([key, vector]) => ({ key, vector, distance: distance(index.distanceMetric, probe, vector.data) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, topK as number);
    return {
      distanceMetric: index.distanceMetric,
      vectors: ranked.map(({ key, vector, distance }) => ({
        key,
        ...(returnDistance === true && { distance: Math.fround(distance) }),
        ...(returnMetadata === true && { metadata: vector.metadata }),
      })),
    };
  }

  private indexName(input: Record<string, unknown>): string {
    if (input.indexArn !== undefined) throw invalid('the double addresses indexes by bucket and name');
    if (input.vectorBucketName !== this.bucket) throw notFound(`no vector bucket ${input.vectorBucketName}`);
    const name = input.indexName;
    if (typeof name !== 'string' || !S3_VECTORS_LIMITS.indexNamePattern.test(name)) {
      throw invalid(`indexName ${JSON.stringify(name)} must be 3-63 of [a-z0-9.-]`);
    }
    return name;
  }

  private existingIndexName(input: Record<string, unknown>): string {
    const name = this.indexName(input);
    if (!this.indexes.has(name)) throw notFound(`no index ${name}`);
    return name;
  }

  private index(input: Record<string, unknown>): Index {
    return this.indexes.get(this.existingIndexName(input)) as Index;
  }

  private vectorData(index: Index, data: unknown): number[] {
    const values = (data as { float32?: unknown } | undefined)?.float32;
    if (!Array.isArray(values)) throw invalid('data must be a float32 list');
    if (values.length !== index.dimension) {
      throw invalid(`vector has ${values.length} dimensions; the index has ${index.dimension}`);
    }
    for (const value of values) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('NaN or Infinity in vector');
      // The store must send float32 values: the service would round anything else.
      if (Math.fround(value) !== value) throw invalid(`${value} is not a float32 value`);
    }
    if (index.distanceMetric === 'cosine' && values.every((value) => value === 0)) {
      throw invalid('zero vectors are not allowed with the cosine metric');
    }
    return values as number[];
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length < 1 || key.length > S3_VECTORS_LIMITS.keyLength) {
    throw invalid('a vector key is 1-1024 characters');
  }
  return key;
}

function checkMetadata(index: Index, metadata: unknown): Metadata {
  if (metadata === undefined) return {};
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalid('metadata must be an object');
  }
  const entries = Object.entries(metadata as Metadata);
  if (entries.length > S3_VECTORS_LIMITS.metadataKeys) throw invalid('at most 50 metadata keys');
  for (const [, value] of entries) {
    const ok =
      ['string', 'number', 'boolean'].includes(typeof value) ||
      (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item)));
    if (!ok) throw invalid('metadata values are strings, numbers, booleans or lists of them');
  }
  const bytes = (object: Metadata) => Buffer.byteLength(JSON.stringify(object));
  if (bytes(metadata as Metadata) > S3_VECTORS_LIMITS.totalMetadataBytes) {
    throw invalid('metadata exceeds 40 KB');
  }
  const filterable = Object.fromEntries(entries.filter(([key]) => !index.nonFilterable.has(key)));
  if (bytes(filterable) > S3_VECTORS_LIMITS.filterableMetadataBytes) {
    throw invalid('filterable metadata exceeds 2 KB');
  }
  return metadata as Metadata;
}

type Predicate = (metadata: Metadata) => boolean;

/** The documented filter language; an operator it does not list is a ValidationException. */
function compileFilter(filter: unknown, index: Index): Predicate {
  if (!filter || typeof filter !== 'object' || Array.isArray(filter))
    throw invalid('filter must be an object');
  const clauses = Object.entries(filter as Record<string, unknown>).map(([key, condition]): Predicate => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) throw invalid(`${key} needs a non-empty list`);
      const parts = condition.map((part) => compileFilter(part, index));
      return key === '$and'
        ? (metadata) => parts.every((part) => part(metadata))
        : (metadata) => parts.some((part) => part(metadata));
    }
    if (key.startsWith('$')) throw invalid(`unknown operator ${key}`);
    if (index.nonFilterable.has(key)) throw invalid(`${key} is not filterable`);
    return compileCondition(key, condition);
  });
  return (metadata) => clauses.every((clause) => clause(metadata));
}

function compileCondition(key: string, condition: unknown): Predicate {
  const values = (metadata: Metadata): unknown[] => {
    const value = metadata[key];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  if (condition === null || typeof condition !== 'object') {
    return (metadata) => values(metadata).includes(condition);
  }
  const [[operator, operand] = []] = Object.entries(condition as Record<string, unknown>);
  switch (operator) {
    case '$eq':
      return (metadata) => values(metadata).includes(operand);
    case '$ne':
      return (metadata) => !values(metadata).includes(operand);
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || operand.length === 0)
        throw invalid(`${operator} needs a non-empty list`);
      const has = (metadata: Metadata) => values(metadata).some((value) => operand.includes(value));
      return operator === '$in' ? has : (metadata) => !has(metadata);
    }
    case '$exists':
      return (metadata) => (metadata[key] !== undefined) === operand;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof operand !== 'number') throw invalid(`${operator} compares numbers`);
      const test = {
        $gt: (a: number) => a > operand,
        $gte: (a: number) => a >= operand,
        $lt: (a: number) => a < operand,
        $lte: (a: number) => a <= operand,
      }[operator];
      return (metadata) => values(metadata).some((value) => typeof value === 'number' && test(value));
    }
    default:
      throw invalid(`unknown operator ${String(operator)}`);
  }
}

function distance(metric: Index['distanceMetric'], a: readonly number[], b: readonly number[]): number {
  if (metric === 'cosine') return 1 - cosineSimilarity(a, b);
  return Math.hypot(...a.map((x, i) => x - (b[i] as number)));
}
