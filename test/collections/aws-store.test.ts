/**
 * The AWS store's own behaviour on dynalite + the S3 Vectors double: what its requests to S3 Vectors
 * look like (batches, top-K, float32, names), that erasure reaches the vectors, and that counts stay
 * right under concurrency. The shared contract suite runs in aws-store-contract.test.ts.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteIndexCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  ValidationException,
} from '@aws-sdk/client-s3vectors';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_VECTORS_LIMITS } from '../../functions/collections/aws/limits.ts';
import { openAwsCollectionStore } from '../../functions/collections/aws/open.ts';
import { AwsCollectionStore } from '../../functions/collections/aws/store.ts';
import { indexName } from '../../functions/collections/aws/vectors.ts';
import { ENROL_TABLE_ACTIONS, ENROL_VECTOR_ACTIONS } from '../../infra/collections-store.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';
import { type AwsBackends, startAwsBackends, VECTOR_BUCKET } from './aws-backends.ts';
import { newFace, randomUnit } from './store-contract.ts';

const MODEL = { name: 'arcface-test', version: '1' };
const DIMENSION = 16;

/** Seeded unit vectors, anywhere or near a centre, so a failure replays. */
function unitVectors(seed: number) {
  const random = seededRandom(seed);
  return (around?: Float32Array, spread = 0.05): Float32Array => {
    const step = randomUnit(random, DIMENSION);
    if (!around) return step;
    const v = around.map((x, i) => x + (step[i] as number) * spread * 20);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
}

describe('AwsCollectionStore on dynalite and the S3 Vectors double', () => {
  let backends: AwsBackends;
  beforeAll(async () => {
    backends = await startAwsBackends();
  });
  afterAll(async () => {
    await backends?.stop();
  });

  it('names each collection index deterministically inside S3 Vectors naming rules', () => {
    const base = { owner: 'u1', collectionId: 'staff', model: MODEL, generation: 'g1' };
    const longOwner = `arn:aws:sts::123456789012:assumed-role/${'R'.repeat(64)}/session@example.com`;
    const names = [
      indexName(base),
      indexName({ ...base, owner: 'u2' }),
      indexName({ ...base, collectionId: 'Staff' }),
      indexName({ ...base, model: { ...MODEL, version: '2' } }),
      indexName({ ...base, generation: 'g2' }),
      indexName({ ...base, owner: longOwner, collectionId: 'x'.repeat(128) }),
    ];
    for (const name of names) expect(name).toMatch(S3_VECTORS_LIMITS.indexNamePattern);
    expect(new Set(names).size).toBe(names.length);
    expect(indexName(base)).toBe(names[0]);
  });

  it('makes a cosine float32 index of the embedder dimension per collection, and deletes it with the collection', async () => {
    const store = await backends.newStore();
    const before = backends.vectors.indexNames().length;
    await store.createCollection('owner-a', 'door', MODEL, DIMENSION);
    const [created] = backends.vectors.callsOf('CreateIndex').slice(-1);
    expect(created?.input).toMatchObject({
      vectorBucketName: VECTOR_BUCKET,
      dataType: 'float32',
      dimension: DIMENSION,
      distanceMetric: 'cosine',
    });
    expect(backends.vectors.indexNames()).toHaveLength(before + 1);
    await store.addFaces('owner-a', 'door', [newFace('ann', unitVectors(1)())]);
    expect(await store.deleteCollection('owner-a', 'door')).toBe(true);
    expect(backends.vectors.indexNames()).toHaveLength(before);
    expect(await store.getCollection('owner-a', 'door')).toBeUndefined();
    // Created again: a fresh, empty index, not its predecessor's vectors.
    await store.createCollection('owner-a', 'door', MODEL, DIMENSION);
    expect(await store.search('owner-a', 'door', unitVectors(1)(), 5)).toEqual([]);
    await store.close();
  });

  it('stores the face id as the key, the externalId as metadata, and float32 values', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'c', MODEL, DIMENSION);
    const enrolled = newFace('person:1@example', unitVectors(2)());
    await store.addFaces('o', 'c', [enrolled]);
    const [put] = backends.vectors.callsOf('PutVectors').slice(-1);
    const [vector] = (put?.input.vectors ?? []) as {
      key: string;
      data: { float32: number[] };
      metadata: object;
    }[];
    expect(vector?.key).toBe(enrolled.faceId);
    expect(vector?.metadata).toEqual({ externalId: 'person:1@example' });
    expect(vector?.data.float32).toEqual(Array.from(enrolled.embedding));
    await store.close();
  });

  it('batches a 520-face enrolment into PutVectors calls of at most 500', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'big', MODEL, DIMENSION);
    const random = unitVectors(3);
    const faces = Array.from({ length: 520 }, (_, n) => newFace(`p${n % 7}`, random()));
    const callsBefore = backends.vectors.callsOf('PutVectors').length;
    await store.addFaces('o', 'big', faces);
    const sizes = backends.vectors
      .callsOf('PutVectors')
      .slice(callsBefore)
      .map((call) => (call.input.vectors as unknown[]).length);
    expect(sizes).toEqual([500, 20]);
    expect(await store.getCollection('o', 'big')).toMatchObject({ faceCount: 520, subjectCount: 7 });
    await store.close();
  });

  it('erases a person with 520 faces in DeleteVectors batches of at most 500, leaving nobody else out', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'erase', MODEL, DIMENSION);
    const random = unitVectors(4);
    const person = random();
    const staying = newFace('staying', random());
    await store.addFaces('o', 'erase', [
      ...Array.from({ length: 520 }, () => newFace('leaving', random(person))),
      staying,
    ]);
    const callsBefore = backends.vectors.callsOf('DeleteVectors').length;
    expect(await store.deleteSubject('o', 'erase', 'leaving')).toBe(520);
    const batches = backends.vectors.callsOf('DeleteVectors').slice(callsBefore);
    expect(batches.map((call) => (call.input.keys as unknown[]).length)).toEqual([500, 20]);
    expect(batches.every((call) => call.error === undefined)).toBe(true);
    const index = backends.vectors
      .indexNames()
      .find((name) => backends.vectors.vectorKeys(name).includes(staying.faceId));
    expect(backends.vectors.vectorKeys(index ?? '')).toEqual([staying.faceId]);
    expect(await store.getCollection('o', 'erase')).toMatchObject({ faceCount: 1, subjectCount: 1 });
    const found = await store.search('o', 'erase', person, 5);
    expect(found.map((n) => n.face.externalId)).toEqual(['staying']);
    await store.close();
  });

  it('finds maxResults distinct people when each has many faces, querying with top-K ≤ 100', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'crowd', MODEL, DIMENSION);
    const random = unitVectors(5);
    const probe = random();
    // 30 people, 10 faces each, all near the probe: the first 100 neighbours hold only about 10 people.
    const faces = Array.from({ length: 30 }, (_, p) => {
      const centre = random(probe, 0.02);
      return Array.from({ length: 10 }, () => newFace(`person-${p}`, random(centre, 0.005)));
    }).flat();
    await store.addFaces('o', 'crowd', faces);
    const queriesBefore = backends.vectors.callsOf('QueryVectors').length;
    const found = await store.search('o', 'crowd', probe, 25);
    const queries = backends.vectors.callsOf('QueryVectors').slice(queriesBefore);
    expect(queries.length).toBeGreaterThan(1);
    for (const query of queries) expect(query.input.topK).toBeLessThanOrEqual(S3_VECTORS_LIMITS.topK);
    expect(found).toHaveLength(25);
    expect(new Set(found.map((n) => n.face.externalId)).size).toBe(25);
    // Each person's entry is their nearest face, and the list is the 25 nearest people, best first.
    const cosine = (a: Float32Array, b: Float32Array) =>
      a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);
    const bestOf = new Map<string, number>();
    for (const f of faces) {
      bestOf.set(f.externalId, Math.max(bestOf.get(f.externalId) ?? -1, cosine(probe, f.embedding)));
    }
    const expected = [...bestOf].sort((a, b) => b[1] - a[1]).slice(0, 25);
    expect(found.map((n) => n.face.externalId)).toEqual(expected.map(([id]) => id));
    for (const [i, n] of found.entries()) expect(n.similarity).toBeCloseTo(expected[i]?.[1] ?? Number.NaN, 5);
    await store.close();
  });

  it('keeps the counts right under 16 concurrent enrolments from separate store instances', async () => {
    const first = await backends.newStore();
    await first.createCollection('o', 'busy', MODEL, DIMENSION);
    const table = (first as unknown as { table: string }).table;
    const random = unitVectors(6);
    await Promise.all(
      Array.from({ length: 16 }, async (_, n) => {
        const instance = backends.storeOn(table);
        await instance.addFaces('o', 'busy', [
          newFace(`p${n % 5}`, random()),
          newFace(`p${n % 5}`, random()),
        ]);
        await instance.close();
      }),
    );
    expect(await first.getCollection('o', 'busy')).toMatchObject({ faceCount: 32, subjectCount: 5 });
    const erasures = await Promise.all(
      ['p0', 'p0', 'p1'].map(async (person) => {
        const instance = backends.storeOn(table);
        const n = await instance.deleteSubject('o', 'busy', person);
        await instance.close();
        return n;
      }),
    );
    // p0 (8 faces) erased twice at once: its faces are counted once between the two.
    expect((erasures[0] ?? 0) + (erasures[1] ?? 0)).toBe(8);
    expect(erasures[2]).toBe(6);
    expect(await first.getCollection('o', 'busy')).toMatchObject({ faceCount: 18, subjectCount: 3 });
    await first.close();
  });

  it('makes the index at the first enrolment when the collection was created without one', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'late', MODEL, DIMENSION);
    const [index] = backends.vectors.callsOf('CreateIndex').slice(-1);
    const name = index?.input.indexName as string;
    // As if the creating process had died between the record and the index.
    const client = backends.vectors.client();
    await client.send(new DeleteIndexCommand({ vectorBucketName: VECTOR_BUCKET, indexName: name }));
    expect(await store.search('o', 'late', unitVectors(8)(), 5)).toEqual([]);
    const enrolled = newFace('ann', unitVectors(9)());
    await store.addFaces('o', 'late', [enrolled]);
    expect(backends.vectors.vectorKeys(name)).toEqual([enrolled.faceId]);
    expect((await store.search('o', 'late', enrolled.embedding, 1))[0]?.face.faceId).toBe(enrolled.faceId);
    client.destroy();
    await store.close();
  });

  it('undoes a failed retry of an enrolment without touching the face it had stored', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'retry', MODEL, DIMENSION);
    const random = unitVectors(11);
    const stored = newFace('ann', random());
    await store.addFaces('o', 'retry', [stored]);
    const [index] = backends.vectors
      .indexNames()
      .filter((name) => backends.vectors.vectorKeys(name).includes(stored.faceId));
    // The retry brings the stored face and one more, whose record write fails (as a throttled one would).
    const late = newFace('ann', random());
    const dynamo = (store as unknown as { dynamo: DynamoDBDocumentClient }).dynamo;
    dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: unknown; ConditionExpression?: string };
        if (input.Item && JSON.stringify(input.Item).includes(late.faceId)) throw new Error('throttled');
        return next(args);
      },
      { step: 'initialize', name: 'failLateRecord' },
    );
    await expect(store.addFaces('o', 'retry', [stored, late])).rejects.toThrow('throttled');
    expect(backends.vectors.vectorKeys(index as string)).toEqual([stored.faceId]);
    expect(await store.getCollection('o', 'retry')).toMatchObject({ faceCount: 1, subjectCount: 1 });
    expect((await store.search('o', 'retry', stored.embedding, 1))[0]?.face.faceId).toBe(stored.faceId);
    dynamo.middlewareStack.remove('failLateRecord');
    await store.addFaces('o', 'retry', [stored, late]);
    expect(backends.vectors.vectorKeys(index as string).sort()).toEqual([stored.faceId, late.faceId].sort());
    expect(await store.getCollection('o', 'retry')).toMatchObject({ faceCount: 2, subjectCount: 1 });
    await store.close();
  });

  it("calls only the table and vector actions the drop function's enrolment grant allows", async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'granted', MODEL, DIMENSION);
    const called = new Set<string>();
    const dynamo = (store as unknown as { dynamo: DynamoDBDocumentClient }).dynamo;
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        called.add(`dynamodb:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'recordActions' },
    );
    const vectorCalls = backends.vectors.calls.length;
    const random = unitVectors(12);
    const faces = [newFace('ann', random()), newFace('bob', random())];
    await store.addFaces('o', 'granted', faces);
    await store.addFaces('o', 'granted', [...faces, newFace('ann', random())]); // a retry, one face more
    for (const action of called) expect(ENROL_TABLE_ACTIONS).toContain(action);
    for (const call of backends.vectors.calls.slice(vectorCalls)) {
      expect(ENROL_VECTOR_ACTIONS).toContain(`s3vectors:${call.operation}`);
    }
    expect(called).toContain('dynamodb:BatchGetItem');
    await store.close();
  });

  it('answers only with faces whose record exists', async () => {
    const store = await backends.newStore();
    await store.createCollection('o', 'stale', MODEL, DIMENSION);
    const random = unitVectors(7);
    const probe = random();
    const kept = newFace('kept', random(probe, 0.01));
    await store.addFaces('o', 'stale', [kept]);
    // A vector with no record, as an interrupted enrolment could leave: never an answer.
    const [index] = backends.vectors
      .indexNames()
      .filter((name) => backends.vectors.vectorKeys(name).includes(kept.faceId));
    const client = backends.vectors.client();
    await client.send(
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: index,
        vectors: [
          { key: randomUUID(), data: { float32: Array.from(probe) }, metadata: { externalId: 'ghost' } },
        ],
      }),
    );
    const found = await store.search('o', 'stale', probe, 5);
    expect(found.map((n) => n.face.externalId)).toEqual(['kept']);
    client.destroy();
    await store.close();
  });
});

describe('openAwsCollectionStore', () => {
  it('opens the store on the table and bucket the configuration names', async () => {
    const store = openAwsCollectionStore({ store: 'aws', table: 'table', vectorBucket: 'bucket' });
    expect(store).toBeInstanceOf(AwsCollectionStore);
    await store.close();
    expect(() => openAwsCollectionStore({ store: 'sqlite', database: 'x.db' })).toThrow(/VECTOR_BUCKET/);
  });
});

describe('the S3 Vectors double refuses what the API refuses', () => {
  let backends: AwsBackends;
  let index: string;
  beforeAll(async () => {
    backends = await startAwsBackends();
    const store = await backends.newStore();
    await store.createCollection('o', 'limits', MODEL, DIMENSION);
    index = backends.vectors.indexNames()[0] as string;
    await store.close();
  });
  afterAll(async () => {
    await backends?.stop();
  });

  const send = async (command: PutVectorsCommand | QueryVectorsCommand) => {
    const client = backends.vectors.client();
    try {
      return await client.send(command as PutVectorsCommand);
    } finally {
      client.destroy();
    }
  };
  const vector = (values: number[], key = 'k') => ({ key, data: { float32: values } });
  const ones = Array.from({ length: DIMENSION }, () => 0.25);

  it.each([
    [
      'top-K above 100',
      new QueryVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        topK: 101,
        queryVector: { float32: ones },
      }),
    ],
    [
      'a vector of the wrong dimension',
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        vectors: [vector([0.5, 0.5])],
      }),
    ],
    [
      'a value that is not float32',
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        vectors: [vector([0.1, ...ones.slice(1)])],
      }),
    ],
    [
      'a zero vector under cosine',
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        vectors: [vector(ones.map(() => 0))],
      }),
    ],
    [
      '501 vectors in one PutVectors',
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        vectors: Array.from({ length: 501 }, (_, n) => vector(ones, `k${n}`)),
      }),
    ],
    [
      'filterable metadata over 2 KB',
      new PutVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        vectors: [{ ...vector(ones), metadata: { externalId: 'x'.repeat(2100) } }],
      }),
    ],
    [
      'an unknown filter operator',
      new QueryVectorsCommand({
        vectorBucketName: VECTOR_BUCKET,
        indexName: '',
        topK: 5,
        queryVector: { float32: ones },
        filter: { externalId: { $regex: 'a' } },
      }),
    ],
  ])('%s, with a ValidationException', async (_, command) => {
    command.input.indexName = index;
    await expect(send(command)).rejects.toBeInstanceOf(ValidationException);
  });

  it('accepts the same requests within the limits', async () => {
    const put = new PutVectorsCommand({
      vectorBucketName: VECTOR_BUCKET,
      indexName: index,
      vectors: Array.from({ length: 500 }, (_, n) => vector(ones, `k${n}`)),
    });
    await expect(send(put)).resolves.toBeDefined();
    const query = new QueryVectorsCommand({
      vectorBucketName: VECTOR_BUCKET,
      indexName: index,
      topK: 100,
      queryVector: { float32: ones },
      returnDistance: true,
    });
    const answer = (await send(query)) as { vectors?: { distance?: number }[] };
    expect(answer.vectors).toHaveLength(100);
    expect(answer.vectors?.[0]?.distance).toBeCloseTo(0, 6);
  });
});
