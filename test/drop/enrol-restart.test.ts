/**
 * An enrolment uploaded while `npm start` is down is done when it starts again: the server (in this
 * process, on a data folder of this test's) resumes every upload waiting under `enrol/` as it does those
 * under `incoming/`, and the face lands in the collection the HTTP API lists.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOCAL_BUCKETS, localS3Directory, startLocalS3 } from '../../functions/local/s3.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { demoPhoto } from '../http/photos.ts';
import { until } from './until.ts';

const BUCKET = LOCAL_BUCKETS.drop;
const UPLOAD = 'enrol/team/ann/me.jpg';
const RESULT = `results/${UPLOAD}.json`;

let dataDir: string;
let server: LocalServer | undefined;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  dataDir = await mkdtemp(join(tmpdir(), 'faceverify-enrol-restart-'));
});

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function keys(client: S3Client, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '');
}

it('a photo uploaded under enrol/ while the server was down is enrolled when it starts', async () => {
  server = await startServer({ port: 0, s3Port: 0, dataDir });
  const created = await fetch(new URL('collections/team', server.url), { method: 'PUT' });
  expect(created.status).toBe(201);
  await server.stop();
  server = undefined;

  // The bucket alone, as it is while the server is down: the upload gets no event.
  const bare = await startLocalS3({ port: 0, directory: localS3Directory(dataDir) });
  const { ETag = '' } = await bare
    .client()
    .send(new PutObjectCommand({ Bucket: BUCKET, Key: UPLOAD, Body: await demoPhoto(1, 640) }));
  await bare.stop();

  server = await startServer({ port: 0, s3Port: 0, dataDir });
  const client = server.s3.client();
  const result = await until(
    'the enrolment result',
    async () => {
      if ((await keys(client, RESULT)).length === 0) return undefined;
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: RESULT }));
      return JSON.parse((await object.Body?.transformToString()) ?? '') as {
        keys: string[];
        eTags: string[];
        faces: { faceId: string; externalId: string }[];
      };
    },
    60_000,
  );
  expect(result.keys).toEqual([UPLOAD]);
  expect(result.eTags).toEqual([ETag.replaceAll('"', '')]);
  expect(result.faces).toHaveLength(1);
  expect(await keys(client, 'enrol/')).toEqual([]);

  const listed = await fetch(new URL('collections/team/faces', server.url));
  expect(listed.status).toBe(200);
  const { faces } = (await listed.json()) as { faces: { faceId: string; externalId: string }[] };
  expect(faces.map(({ faceId, externalId }) => ({ faceId, externalId }))).toEqual([
    { faceId: result.faces[0]?.faceId, externalId: 'ann' },
  ]);
}, 120_000);
