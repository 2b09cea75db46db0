/**
 * The drop folder end to end, locally: objects put with the AWS SDK into the local S3 endpoint become
 * S3 event records, delivered in SQS messages to the drop function's handler (built as its Lambda entry,
 * functions/lambda/drop.ts, builds it), which reads and writes through the SDK against the same endpoint
 * with the real engine.
 *
 * Delivery can be held back (`hold()`), so several objects are in the bucket before their events are
 * handled: the way S3 notifications really arrive, late and at the same moment.
 *
 * Uploads under `enrol/` are enrolled through the collections service over a SQLite store in memory,
 * the same service the tests then search with.
 */
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Collections,
  collectionsOnFirstUse,
  SHARED_OWNER,
} from '../../functions/collections/collections.ts';
import { openSqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import { decodeImage } from '../../functions/core/decode.ts';
import type { FaceService } from '../../functions/core/engine.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { objectCreatedRecord } from '../../functions/drop/events.ts';
import { dropHandler } from '../../functions/drop/queue.ts';
import { s3DropStore } from '../../functions/drop/s3-store.ts';
import { type DropWatcher, startDropWatcher } from '../../functions/local/drop-watcher.ts';
import { LOCAL_BUCKETS, type LocalS3, startLocalS3 } from '../../functions/local/s3.ts';
import { summarizeModels } from '../../functions/shared/model-summary.ts';
import { logger } from '../../functions/shared/observability.ts';
import { createRuntime } from '../../functions/shared/runtime.ts';
import { runtimeConfig } from '../../functions/shared/runtime-config.ts';
import { demoPhoto, gradientPng } from '../http/photos.ts';
import { hasLfw, LFW } from '../shared-data.ts';

const BUCKET = LOCAL_BUCKETS.drop;
const lfwHere = hasLfw('drop verdict tests skipped');
const lfw = (name: string, n: number) =>
  readFile(new URL(`${name}/${name}_${String(n).padStart(4, '0')}.jpg`, LFW));
const AT = expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);

let s3: LocalS3;
let client: S3Client;
let engine: FaceService;
let collections: () => Collections;
let watcher: DropWatcher;
let held: Promise<void> = Promise.resolve();

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('WARN');
  s3 = await startLocalS3({ port: 0 });
  client = s3.client();
  const runtime = createRuntime({ ...runtimeConfig({}), dropBucket: BUCKET, s3Endpoint: s3.endpoint });
  engine = await runtime.engine();
  const store = openSqliteCollectionStore({ store: 'sqlite', database: ':memory:' });
  collections = collectionsOnFirstUse(() => store, engine);
  const handler = dropHandler({
    bucket: BUCKET,
    store: s3DropStore(runtime.s3, BUCKET),
    engine,
    collections,
  });
  // One message per call, five at once: the events of one pair really run at the same time.
  watcher = startDropWatcher({
    s3: s3.server,
    bucket: BUCKET,
    handler: async (event: SQSEvent) => {
      await held;
      return handler(event);
    },
    batchSize: 1,
    retryDelayMs: 50,
  });
});

afterAll(async () => {
  watcher?.stop();
  await collections?.().close();
  await s3?.stop();
});

afterEach(async () => {
  await watcher.idle();
  expect(watcher.deadLetters).toEqual([]);
  vi.restoreAllMocks();
});

/** Holds every delivery until the returned function is called. */
function hold(): () => void {
  let release = () => {};
  held = new Promise((resolve) => {
    release = resolve;
  });
  return release;
}

async function put(key: string, body: Uint8Array | string): Promise<{ key: string; eTag: string }> {
  const { ETag = '' } = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return { key, eTag: ETag.replaceAll('"', '') };
}

async function result(key: string): Promise<{ body: string; eTag: string; value: unknown }> {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const body = (await object.Body?.transformToString()) ?? '';
  return { body, eTag: object.ETag ?? '', value: JSON.parse(body) };
}

async function keys(prefix = ''): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '');
}

/** The result a pair should get: the /verify answer for its two images, in key order. */
async function verdict(pairId: string, files: { key: string; eTag: string }[], bytes: Uint8Array[]) {
  const { timings: _, ...verified } = await engine.verify(bytes[0] as Uint8Array, bytes[1] as Uint8Array);
  return {
    pairId,
    keys: files.map((f) => f.key),
    eTags: files.map((f) => f.eTag),
    completedAt: AT,
    ...verified,
    timings: expect.objectContaining({ total: expect.any(Number) }),
    model: summarizeModels(engine.models),
  };
}

describe.skipIf(!lfwHere)('pairs of photos', () => {
  it('same person: match true', async () => {
    const bytes = await Promise.all([lfw('Abdullah_Gul', 13), lfw('Abdullah_Gul', 14)]);
    const a = await put('incoming/same/a.jpg', bytes[0] as Uint8Array);
    const b = await put('incoming/same/b.jpg', bytes[1] as Uint8Array);
    await watcher.idle();
    const expected = await verdict('same', [a, b], bytes);
    expect(expected.match).toBe(true);
    expect((await result('results/same.json')).value).toEqual(expected);
    expect(await keys('incoming/')).toEqual([]);
  });

  it('different people: match false', async () => {
    const bytes = await Promise.all([lfw('Aaron_Guiel', 1), lfw('Reese_Witherspoon', 3)]);
    const a = await put('incoming/different/1.jpg', bytes[0] as Uint8Array);
    const b = await put('incoming/different/2.jpg', bytes[1] as Uint8Array);
    await watcher.idle();
    const expected = await verdict('different', [a, b], bytes);
    expect(expected.match).toBe(false);
    expect((await result('results/different.json')).value).toEqual(expected);
  });

  it('out of order: the second key arrives and is handled first; source and target stay in key order', async () => {
    const bytes = await Promise.all([lfw('Abdullah_Gul', 13), lfw('Reese_Witherspoon', 3)]);
    const release = hold();
    const target = await put('incoming/order/2-target.jpg', bytes[1] as Uint8Array);
    const source = await put('incoming/order/1-source.jpg', bytes[0] as Uint8Array);
    release();
    await watcher.idle();
    expect((await result('results/order.json')).value).toEqual(
      await verdict('order', [source, target], bytes),
    );
  });

  it('concurrent: both events judge at the same moment and exactly one result is written', async () => {
    const bytes = await Promise.all([lfw('Abdullatif_Sener', 1), lfw('Abdullatif_Sener', 2)]);
    const logged = vi.spyOn(logger, 'info');
    const release = hold();
    const [a, b] = await Promise.all([
      put('incoming/race/a.jpg', bytes[0] as Uint8Array),
      put('incoming/race/b.jpg', bytes[1] as Uint8Array),
    ]);
    release();
    await watcher.idle();
    const outcomes = logged.mock.calls
      .filter(([message]) => message === 'drop object')
      .map(([, facts]) => (facts as { outcome: string }).outcome);
    expect(outcomes).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'Written')).toHaveLength(1);
    expect(await keys('results/race')).toEqual(['results/race.json']);
    expect((await result('results/race.json')).value).toEqual(await verdict('race', [a, b], bytes));
  });

  it('a redelivered event, before and after the result, neither duplicates nor changes it', async () => {
    const bytes = await Promise.all([lfw('Abdullah_Gul', 13), lfw('Abdullah_Gul', 14)]);
    const release = hold();
    const a = await put('incoming/again/a.jpg', bytes[0] as Uint8Array);
    const b = await put('incoming/again/b.jpg', bytes[1] as Uint8Array);
    const redeliver = () =>
      watcher.publish({
        Records: [objectCreatedRecord({ bucket: BUCKET, ...a, size: bytes[0]?.length ?? 0 })],
      });
    redeliver();
    release();
    await watcher.idle();
    const first = await result('results/again.json');
    redeliver();
    await watcher.idle();
    const second = await result('results/again.json');
    expect(second.body).toBe(first.body);
    expect(second.eTag).toBe(first.eTag);
    expect(first.value).toEqual(await verdict('again', [a, b], bytes));
    expect(await keys('results/again')).toEqual(['results/again.json']);
  });

  it('keys with spaces and unicode', async () => {
    const bytes = await Promise.all([lfw('Abdullah_Gul', 13), lfw('Abdullah_Gul', 14)]);
    const a = await put('incoming/Zoë 東京/photo one.jpg', bytes[0] as Uint8Array);
    const b = await put('incoming/Zoë 東京/photo two+more.jpg', bytes[1] as Uint8Array);
    await watcher.idle();
    expect((await result('results/Zoë 東京.json')).value).toEqual(await verdict('Zoë 東京', [a, b], bytes));
  });
});

describe('files that cannot be judged', () => {
  let photo: Buffer;
  let faceless: Buffer;

  beforeAll(async () => {
    [photo, faceless] = await Promise.all([demoPhoto(1, 640), gradientPng(320, 240)]);
  });

  it('a file that is not an image: the error names it', async () => {
    const text = new TextEncoder().encode('name,score\nann,3\n');
    const decoding = await decodeImage(text).catch((error: FaceVerifyError) => error);
    expect(decoding).toBeInstanceOf(FaceVerifyError);
    const a = await put('incoming/text/a.csv', text);
    const b = await put('incoming/text/b.jpg', photo);
    await watcher.idle();
    expect((await result('results/text.json')).value).toEqual({
      pairId: 'text',
      keys: [a.key, b.key],
      eTags: [a.eTag, b.eTag],
      completedAt: AT,
      error: { ...(decoding as FaceVerifyError).toJSON(), image: 'source', key: a.key },
    });
    expect(await keys('incoming/')).toEqual([]);
  });

  it('an image without a face: NoFaceDetected names it', async () => {
    const a = await put('incoming/noface/a.jpg', photo);
    const b = await put('incoming/noface/b.png', faceless);
    await watcher.idle();
    expect((await result('results/noface.json')).value).toEqual({
      pairId: 'noface',
      keys: [a.key, b.key],
      eTags: [a.eTag, b.eTag],
      completedAt: AT,
      error: {
        code: 'NoFaceDetected',
        message: 'No face was found in the target image.',
        image: 'target',
        key: b.key,
      },
    });
  });

  it('three files under one prefix: TooManyFiles lists them all; a fourth, later, is reported alone', async () => {
    const release = hold();
    const files = [
      await put('incoming/three/a.jpg', photo),
      await put('incoming/three/b.jpg', photo),
      await put('incoming/three/c.png', faceless),
    ];
    release();
    await watcher.idle();
    expect((await result('results/three.json')).value).toEqual({
      pairId: 'three',
      keys: files.map((f) => f.key),
      eTags: files.map((f) => f.eTag),
      completedAt: AT,
      error: {
        code: 'TooManyFiles',
        message: 'incoming/three/ held 3 files when the pair was judged; a pair is exactly two images.',
      },
    });
    const late = await put('incoming/three/d.jpg', photo);
    await watcher.idle();
    expect((await result('results/rejected/three/d.jpg.json')).value).toEqual({
      keys: [late.key],
      eTags: [late.eTag],
      completedAt: AT,
      error: {
        code: 'PairAlreadyJudged',
        message:
          'results/three.json was written before this file arrived; it judged incoming/three/a.jpg, incoming/three/b.jpg, and incoming/three/c.png. A pairId is used once.',
        key: late.key,
      },
    });
    expect(await keys('incoming/')).toEqual([]);
  });

  it('an image over the size limit is refused without being read', async () => {
    const big = await put('incoming/detect/huge.jpg', new Uint8Array(21 * 1024 * 1024));
    await watcher.idle();
    expect((await result('results/detect/huge.jpg.json')).value).toEqual({
      keys: [big.key],
      eTags: [big.eTag],
      completedAt: AT,
      error: {
        code: 'ImageTooLarge',
        message: 'incoming/detect/huge.jpg is 21.0 MiB; the limit is 20.0 MiB.',
        image: 'image',
        key: big.key,
      },
    });
  });
});

describe('detect jobs', () => {
  it('an image under incoming/detect/ gets the /detect answer', async () => {
    const bytes = await demoPhoto(2, 640);
    const photo = await put('incoming/detect/team photo.jpg', bytes);
    await watcher.idle();
    const { timings: _, ...detected } = await engine.detect(bytes);
    expect((await result('results/detect/team photo.jpg.json')).value).toEqual({
      keys: [photo.key],
      eTags: [photo.eTag],
      completedAt: AT,
      ...detected,
      timings: expect.objectContaining({ total: expect.any(Number) }),
      model: summarizeModels(engine.models),
    });
    expect(await keys('incoming/')).toEqual([]);
  });
});

describe('enrolment by upload', () => {
  it.skipIf(!lfwHere)('two people enrolled by upload are found by a search through the service', async () => {
    await collections().create(SHARED_OWNER, 'staff');
    const [gul, guiel, probe] = await Promise.all([
      lfw('Abdullah_Gul', 13),
      lfw('Aaron_Guiel', 1),
      lfw('Abdullah_Gul', 14),
    ]);
    const a = await put('enrol/staff/abdullah.gul/Abdullah Gul 13.jpg', gul);
    const b = await put('enrol/staff/aaron.guiel/portrait.jpg', guiel);
    await watcher.idle();

    const enrolled = (await result('results/enrol/staff/abdullah.gul/Abdullah Gul 13.jpg.json')).value;
    expect(enrolled).toEqual({
      keys: [a.key],
      eTags: [a.eTag],
      completedAt: AT,
      collectionId: 'staff',
      externalId: 'abdullah.gul',
      faces: [
        expect.objectContaining({
          faceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          externalId: 'abdullah.gul',
          box: expect.any(Object),
          pose: expect.any(String),
        }),
      ],
      unindexedFaces: [],
      model: summarizeModels(engine.models),
    });
    expect((await result('results/enrol/staff/aaron.guiel/portrait.jpg.json')).value).toMatchObject({
      keys: [b.key],
      faces: [{ externalId: 'aaron.guiel' }],
    });
    expect(await keys('enrol/')).toEqual([]);

    const found = await collections().search(SHARED_OWNER, 'staff', probe, { maxResults: 2 });
    expect(found.faceCount).toBe(2);
    expect(found.matches.map((m) => m.externalId)).toEqual(['abdullah.gul', 'aaron.guiel']);
    expect(found.matches[0]).toMatchObject({
      faceId: (enrolled as { faces: { faceId: string }[] }).faces[0]?.faceId,
      match: true,
    });
    expect(found.matches[1]?.match).toBe(false);
  });

  it('a photo without a face: NoFaceDetected, nothing enrolled, the upload deleted', async () => {
    await collections().create(SHARED_OWNER, 'faceless');
    const upload = await put('enrol/faceless/ann/gradient.png', await gradientPng(320, 240));
    await watcher.idle();
    expect((await result('results/enrol/faceless/ann/gradient.png.json')).value).toEqual({
      keys: [upload.key],
      eTags: [upload.eTag],
      completedAt: AT,
      collectionId: 'faceless',
      externalId: 'ann',
      error: {
        code: 'NoFaceDetected',
        message: 'No face was found in the image.',
        image: 'image',
        key: upload.key,
      },
    });
    expect(await keys('enrol/')).toEqual([]);
    expect((await collections().get(SHARED_OWNER, 'faceless')).faceCount).toBe(0);
  });

  it('a face too small for the default quality filter: PoorFaceQuality with its reason, nothing enrolled', async () => {
    await collections().create(SHARED_OWNER, 'strict');
    // The demo group photo at 300 px: its faces are about 34 px wide, under the filter's 40.
    const upload = await put('enrol/strict/ann/small.jpg', await demoPhoto(1, 300));
    await watcher.idle();
    expect((await result('results/enrol/strict/ann/small.jpg.json')).value).toMatchObject({
      keys: [upload.key],
      collectionId: 'strict',
      externalId: 'ann',
      error: { code: 'PoorFaceQuality', reason: 'TooSmall', image: 'image', key: upload.key },
    });
    expect(await keys('enrol/')).toEqual([]);
    expect((await collections().get(SHARED_OWNER, 'strict')).faceCount).toBe(0);
  });

  it('a collection that does not exist: CollectionNotFound, and it is not created', async () => {
    const upload = await put('enrol/nobody-made-this/ann/me.jpg', await demoPhoto(1, 640));
    await watcher.idle();
    expect((await result('results/enrol/nobody-made-this/ann/me.jpg.json')).value).toEqual({
      keys: [upload.key],
      eTags: [upload.eTag],
      completedAt: AT,
      collectionId: 'nobody-made-this',
      externalId: 'ann',
      error: {
        code: 'CollectionNotFound',
        message: 'There is no collection nobody-made-this.',
        key: upload.key,
      },
    });
    expect(await keys('enrol/')).toEqual([]);
    const lookup = await collections()
      .get(SHARED_OWNER, 'nobody-made-this')
      .catch((error: FaceVerifyError) => error.code);
    expect(lookup).toBe('CollectionNotFound');
  });

  it('an id the service refuses, or a photo outside enrol/<collectionId>/<externalId>/: an error result', async () => {
    await collections().create(SHARED_OWNER, 'ids');
    const photo = await demoPhoto(1, 640);
    const badId = await put('enrol/ids/ann smith/me.jpg', photo);
    const loose = await put('enrol/ids/me.jpg', photo);
    await watcher.idle();
    expect((await result('results/enrol/ids/ann smith/me.jpg.json')).value).toEqual({
      keys: [badId.key],
      eTags: [badId.eTag],
      completedAt: AT,
      collectionId: 'ids',
      externalId: 'ann smith',
      error: {
        code: 'InvalidRequest',
        message: '`externalId` must be letters, digits and _ . : @ - (1 to 255).',
        key: badId.key,
      },
    });
    expect((await result('results/enrol/ids/me.jpg.json')).value).toEqual({
      keys: [loose.key],
      eTags: [loose.eTag],
      completedAt: AT,
      error: {
        code: 'NotInAnEnrolFolder',
        message: 'Put a photo to enrol under enrol/<collectionId>/<externalId>/.',
        key: loose.key,
      },
    });
    expect(await keys('enrol/')).toEqual([]);
    expect((await collections().get(SHARED_OWNER, 'ids')).faceCount).toBe(0);
  });

  it('a redelivered enrolment event neither enrols twice nor changes the result', async () => {
    await collections().create(SHARED_OWNER, 'again');
    const bytes = await demoPhoto(1, 640);
    const release = hold();
    const upload = await put('enrol/again/ann/me.jpg', bytes);
    const redeliver = () =>
      watcher.publish({ Records: [objectCreatedRecord({ bucket: BUCKET, ...upload, size: bytes.length })] });
    release();
    await watcher.idle();
    const first = await result('results/enrol/again/ann/me.jpg.json');
    redeliver();
    await watcher.idle();
    expect((await result('results/enrol/again/ann/me.jpg.json')).body).toBe(first.body);
    expect((await collections().get(SHARED_OWNER, 'again')).faceCount).toBe(1);
  });
});

describe('the local S3 endpoint', () => {
  it('honours If-None-Match: of two racing creates one wins, the other gets 412 PreconditionFailed', async () => {
    const create = (body: string) =>
      client
        .send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'results/conditional.json',
            Body: body,
            IfNoneMatch: '*',
          }),
        )
        .then(
          () => body,
          (error: { name: string }) => error.name,
        );
    const outcomes = await Promise.all([create('"first"'), create('"second"')]);
    expect(outcomes.filter((o) => o === 'PreconditionFailed')).toHaveLength(1);
    const winner = outcomes.find((o) => o !== 'PreconditionFailed');
    expect((await result('results/conditional.json')).body).toBe(winner);
  });
});
