/**
 * The local S3 endpoint on a folder of its own: objects outlive the server, writes land whole (staged,
 * then renamed), and what a crash left staged is neither listed nor kept.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LOCAL_BUCKETS, type LocalS3, startLocalS3 } from '../../functions/local/s3.ts';

const BUCKET = LOCAL_BUCKETS.drop;
let directory: string;
let s3: LocalS3 | undefined;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faceverify-s3-dir-'));
});

afterEach(async () => {
  await s3?.stop();
  s3 = undefined;
  await rm(directory, { recursive: true, force: true });
});

async function read(key: string): Promise<{ body: string; eTag: string }> {
  const object = await s3?.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: (await object?.Body?.transformToString()) ?? '', eTag: object?.ETag ?? '' };
}

async function list(): Promise<string[]> {
  const page = await s3?.client().send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page?.Contents ?? []).map((o) => o.Key ?? '');
}

/** Every file under the bucket's folder, relative to it. */
async function files(): Promise<string[]> {
  return (await readdir(join(directory, BUCKET), { recursive: true })).sort();
}

it('keeps its objects across a stop, in the folder given, with their ETags', async () => {
  s3 = await startLocalS3({ port: 0, directory });
  const put = (key: string, body: string) =>
    s3?.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const first = await put('results/p1.json', '{"v":1}');
  await put('results/p1.json', '{"v":2}');
  const second = await read('results/p1.json');
  expect(second.body).toBe('{"v":2}');
  expect(second.eTag).not.toBe(first?.ETag);
  await s3.stop();

  s3 = await startLocalS3({ port: 0, directory });
  expect(await read('results/p1.json')).toEqual(second);
  // Nothing staged is left once the writes are done: the object's three files only.
  expect(await files()).toEqual([
    'results',
    'results/p1.json._S3rver_metadata.json',
    'results/p1.json._S3rver_object',
    'results/p1.json._S3rver_object.md5',
  ]);
});

it('deletes at start the staged files a crash left behind, which were never listed', async () => {
  s3 = await startLocalS3({ port: 0, directory });
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'incoming/p1/a.jpg', Body: 'whole' }));
  const staged = join(directory, BUCKET, 'incoming', 'p1', `a.jpg.~staged-${randomUUID()}`);
  await writeFile(`${staged}._S3rver_object.bytes`, 'half');
  await writeFile(`${staged}._S3rver_metadata.json`, '{}');
  expect(await list()).toEqual(['incoming/p1/a.jpg']);
  await s3.stop();

  s3 = await startLocalS3({ port: 0, directory });
  expect(await list()).toEqual(['incoming/p1/a.jpg']);
  expect((await read('incoming/p1/a.jpg')).body).toBe('whole');
  expect(await files()).toEqual([
    'incoming',
    'incoming/p1',
    'incoming/p1/a.jpg._S3rver_metadata.json',
    'incoming/p1/a.jpg._S3rver_object',
    'incoming/p1/a.jpg._S3rver_object.md5',
  ]);
});

it('without a folder, uses a temporary one and deletes it on stop', async () => {
  s3 = await startLocalS3({ port: 0 });
  const { directory: temporary } = s3;
  expect(temporary.startsWith(tmpdir())).toBe(true);
  await s3.stop();
  s3 = undefined;
  await expect(readdir(temporary)).rejects.toMatchObject({ code: 'ENOENT' });
});
