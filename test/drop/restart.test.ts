/**
 * `npm start`'s drop folder survives its process: the entry point (functions/local/main.ts) runs as a real
 * child process with its data in a folder of this test's. 50 pairs of LFW photos are dropped, the server
 * is killed (`kill -9`) while it works through them, and started again on the same data: every pair gets
 * exactly one result, the results written before the crash are not rewritten, `incoming/` ends empty,
 * and nothing is left in the temporary directory the server was given. A clean stop keeps the results.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKETS, localS3Directory } from '../../functions/local/s3.ts';
import { hasLfw, LFW } from '../shared-data.ts';
import { type RunningMain, startMain } from './main-process.ts';
import { until } from './until.ts';

const BUCKET = LOCAL_BUCKETS.drop;
const PAIRS = 50;
/** How long the killed or restarted server may take to get somewhere. */
const WAIT_MS = 240_000;
const lfwHere = hasLfw('drop restart test skipped');

let scratch: string;
let dataDir: string;
/** The server's TMPDIR: it must stay empty. */
let serverTmp: string;
let running: RunningMain | undefined;

async function stopMain(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const server = running;
  running = undefined;
  if (!server) throw new Error('no server running');
  server.child.kill(signal);
  return server.exited;
}

async function keys(client: S3Client, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    found.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return found;
}

async function readResults(client: S3Client): Promise<Map<string, string>> {
  const bodies = new Map<string, string>();
  for (const key of await keys(client, 'results/')) {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    bodies.set(key, (await object.Body?.transformToString()) ?? '');
  }
  return bodies;
}

/** The objects under a prefix of the drop bucket, read from the data folder: key → content. */
async function objectsOnDisk(prefix: string): Promise<Map<string, string>> {
  const bucket = join(localS3Directory(dataDir), BUCKET);
  const suffix = '._S3rver_object';
  const files = await readdir(join(bucket, prefix), { recursive: true }).catch(() => []);
  const objects = new Map<string, string>();
  for (const file of files.filter((name) => name.endsWith(suffix)).sort()) {
    objects.set(
      `${prefix}${file.slice(0, -suffix.length)}`,
      await readFile(join(bucket, prefix, file), 'utf8'),
    );
  }
  return objects;
}

/** The first 2 × PAIRS photos of LFW, in name order, taken two by two. */
async function pairPhotos(): Promise<[string, string][]> {
  const people = (await readdir(LFW)).sort();
  const photos: string[] = [];
  for (const person of people) {
    for (const file of (await readdir(new URL(`${person}/`, LFW))).sort()) photos.push(`${person}/${file}`);
    if (photos.length >= 2 * PAIRS) break;
  }
  return Array.from({ length: PAIRS }, (_, i) => [photos[2 * i], photos[2 * i + 1]] as [string, string]);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'faceverify-restart-'));
  dataDir = join(scratch, 'data');
  serverTmp = join(scratch, 'tmp');
  await mkdir(serverTmp);
});

afterAll(async () => {
  if (running) await stopMain('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!lfwHere)('npm start, killed while it processes the drop folder', () => {
  it('started again on the same data: every pair has exactly one result, incoming/ is empty', async () => {
    running = await startMain(dataDir, serverTmp);
    const client = running.client;
    // All at once, so that most pairs are still waiting when the first result is in.
    const uploaded = await Promise.all(
      (await pairPhotos()).map(async (photos, i) => {
        const pairId = `p${String(i).padStart(2, '0')}`;
        const files = await Promise.all(
          photos.map(async (photo, side) => {
            const key = `incoming/${pairId}/${side + 1}-${photo.split('/')[1]}`;
            const body = await readFile(new URL(photo, LFW));
            const { ETag = '' } = await client.send(
              new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }),
            );
            return `${key} ${ETag.replaceAll('"', '')}`;
          }),
        );
        return [pairId, files] as const;
      }),
    );
    const uploads = new Map(uploaded);

    await until(
      'a first result',
      async () => ((await keys(client, 'results/')).length > 0 ? true : undefined),
      WAIT_MS,
    );
    const killed = await stopMain('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    // What the killed server left, read from its folder while no server runs.
    const beforeCrash = await objectsOnDisk('results/');
    const waiting = await objectsOnDisk('incoming/');
    console.log(
      `at the kill: ${beforeCrash.size} of ${PAIRS} results written, ${waiting.size} uploads waiting`,
    );
    expect(beforeCrash.size).toBeGreaterThan(0);
    expect(beforeCrash.size).toBeLessThan(PAIRS);
    expect(waiting.size).toBeGreaterThan(0);

    running = await startMain(dataDir, serverTmp);
    const restarted = running.client;
    const results = await until(
      'every result, and incoming/ empty',
      async () => {
        if ((await keys(restarted, 'incoming/')).length > 0) return undefined;
        const found = await readResults(restarted);
        return found.size >= PAIRS ? found : undefined;
      },
      WAIT_MS,
    );
    expect([...results.keys()].sort()).toEqual([...uploads.keys()].map((id) => `results/${id}.json`));
    for (const [pairId, files] of uploads) {
      const result = JSON.parse(results.get(`results/${pairId}.json`) ?? '{}');
      // Each result accounts for exactly its pair's two uploads, and is a verdict, not a failure.
      expect(result.keys.map((key: string, i: number) => `${key} ${result.eTags[i]}`)).toEqual(files);
      expect(result.error?.code).not.toBe('ProcessingFailed');
      if (!result.error) expect(typeof result.match).toBe('boolean');
    }
    // Write-once across the crash: what was written before it is untouched.
    for (const [key, body] of beforeCrash) expect(results.get(key)).toBe(body);

    // A clean stop and a start again keep every result, and find nothing left to do.
    expect(await stopMain('SIGTERM')).toEqual({ code: 0, signal: null });
    running = await startMain(dataDir, serverTmp);
    expect(await readResults(running.client)).toEqual(results);
    expect(await keys(running.client, 'incoming/')).toEqual([]);
    expect(await stopMain('SIGTERM')).toEqual({ code: 0, signal: null });

    // tsx, the TypeScript loader `npm start` runs under, keeps its compile cache there (tsx-<uid>): not data.
    expect((await readdir(serverTmp)).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
    expect(await readdir(dataDir)).toEqual(['s3']);
  }, 600_000);
});
