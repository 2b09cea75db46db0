/**
 * `faceverify collection` as a child process over the same database file as a running local server
 * (both in one FACEVERIFY_DATA_DIR, as the CLI and `npm start` share it): what the CLI enrols the API
 * finds and searches, what the API enrols the CLI lists. Exit statuses: 2 for usage, 3 for a command
 * refused as a whole, 0 for a run with a bad photo reported and counted. `--dir` enrols by folder name.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Face } from '../../functions/core/types.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { assertConforms } from '../http/openapi.ts';
import { cropJpeg, demoPhoto } from '../http/photos.ts';
import { faceverify } from './child.ts';

let server: LocalServer;
let dataDir: string;
let photos: string;
let env: Record<string, string>;
/** Cut from the demo's group photo 1 at full resolution: the people enrolled from the 640 px one. */
let probe: { ada: string; bob: string };
let cyPortrait: Buffer;

interface Line {
  file?: string;
  faces?: { faceId: string; externalId: string }[];
  matches?: { externalId: string; match: boolean }[];
  collectionId?: string;
  faceCount?: number;
  error?: { code: string; message: string };
}

const collection = (args: string[], dir?: string) =>
  faceverify<Line>(['collection', ...args], dir ? { FACEVERIFY_DATA_DIR: dir } : env);

async function api(method: string, template: string, collectionId: string, body?: unknown) {
  const response = await fetch(new URL(template.replace('{collectionId}', collectionId), server.url), {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  assertConforms(`${method} ${template}`, response.status, json);
  return { status: response.status, body: json };
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  dataDir = await mkdtemp(join(tmpdir(), 'faceverify-collection-cli-'));
  env = { FACEVERIFY_DATA_DIR: dataDir };
  server = await startServer({ port: 0, s3Port: 0, dataDir });
  const [small, full] = await Promise.all([demoPhoto(1, 640), demoPhoto(1)]);
  const detected = await fetch(new URL('/detect', server.url), {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(small),
  });
  const [ada, bob, cy] = ((await detected.json()) as { faces: Face[] }).faces.map((f) => f.box);
  if (!ada || !bob || !cy) throw new Error('the demo photo has fewer than three faces');
  // LFW's layout: one folder per person, named by their id; a file that is no photo among them.
  photos = join(dataDir, 'photos');
  for (const name of ['ada', 'bob']) await mkdir(join(photos, name), { recursive: true });
  await writeFile(join(photos, 'ada', 'ada_0001.jpg'), await cropJpeg(small, ada));
  await writeFile(join(photos, 'bob', 'bob_0001.jpg'), await cropJpeg(small, bob));
  await writeFile(join(photos, 'bob', 'bob_0002.jpg'), 'not a photo at all');
  // A folder whose name is no valid person id: reported, counted, not enrolled.
  await mkdir(join(photos, 'Ada Lovelace'));
  await writeFile(join(photos, 'Ada Lovelace', 'x.jpg'), await cropJpeg(small, ada));
  await writeFile(join(photos, 'notes.txt'), 'not a photo, not enrolled');
  const scaled = (b: Face['box']) => ({ x: b.x * 3, y: b.y * 3, width: b.width * 3, height: b.height * 3 });
  probe = { ada: join(dataDir, 'probe-ada.jpg'), bob: join(dataDir, 'probe-bob.jpg') };
  await writeFile(probe.ada, await cropJpeg(full, scaled(ada)));
  await writeFile(probe.bob, await cropJpeg(full, scaled(bob)));
  cyPortrait = await cropJpeg(small, cy);
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('faceverify collection with npm start on one database', () => {
  it('exits 2 on a usage error, before opening anything', async () => {
    const untouched = join(dataDir, 'untouched');
    const runs = await Promise.all(
      [
        [],
        ['index', 'door'],
        ['index', 'door', '--id', 'ada'],
        ['create', 'has space'],
        ['search', 'door', probe.ada, '--max-results', '0'],
        ['forget', 'door'],
      ].map((args) => collection(args, untouched)),
    );
    expect(existsSync(untouched)).toBe(false);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('Usage:');
    }
  });

  it('exits 3 for a collection that does not exist, saying so', async () => {
    const [indexed, searched, listed] = await Promise.all([
      collection(['index', 'missing', '--id', 'ada', probe.ada]),
      collection(['search', 'missing', probe.ada, '--json']),
      collection(['faces', 'missing']),
    ]);
    for (const run of [indexed, listed]) {
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/^faceverify: There is no collection missing\./);
    }
    expect(searched.code).toBe(3);
    expect(searched.json()).toEqual([
      { error: { code: 'CollectionNotFound', message: 'There is no collection missing.' } },
    ]);
  });

  it('creates and fills a collection by folder name; the server finds and searches it', async () => {
    const created = await collection(['create', 'door', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toEqual([expect.objectContaining({ collectionId: 'door', faceCount: 0 })]);

    const indexed = await collection(['index', 'door', '--dir', photos]);
    // The bad photo is reported on its line and counted; the run goes on and exits 0.
    expect(indexed.code, indexed.stderr).toBe(0);
    const lines = indexed.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/Ada Lovelace\/x\.jpg {2}error InvalidRequest: .*"Ada Lovelace"/);
    expect(lines[1]).toMatch(/ada_0001\.jpg {2}ada: enrolled 1 face$/);
    expect(lines[2]).toMatch(/bob_0001\.jpg {2}bob: enrolled 1 face$/);
    expect(lines[3]).toMatch(/bob_0002\.jpg {2}error InvalidImage: /);
    expect(lines[4]).toBe('enrolled 2 faces from 2 of 4 photos; 2 failed');

    const door = await api('GET', '/collections/{collectionId}', 'door');
    expect(door.body).toMatchObject({ faceCount: 2, subjectCount: 2 });
    for (const name of ['ada', 'bob'] as const) {
      const image = (await readFile(probe[name])).toString('base64');
      const found = await api('POST', '/collections/{collectionId}/search', 'door', { image });
      expect(found.status).toBe(200);
      expect((found.body.matches as Line['matches'])?.[0]).toMatchObject({ externalId: name, match: true });
    }
  });

  it('lists and searches through the CLI what the server enrolled', async () => {
    const enrolled = await api('POST', '/collections/{collectionId}/faces', 'door', {
      image: cyPortrait.toString('base64'),
      externalId: 'cy',
    });
    expect(enrolled.status).toBe(201);
    const faceId = (enrolled.body.faces as { faceId: string }[])[0]?.faceId;
    const [listed, cyOnly, searched] = await Promise.all([
      collection(['faces', 'door', '--json']),
      collection(['faces', 'door', '--id', 'cy']),
      collection(['search', 'door', probe.bob, '--json']),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const [{ faces } = {}] = listed.json();
    expect(faces?.map((f) => f.externalId).sort()).toEqual(['ada', 'bob', 'cy']);
    expect(faces?.find((f) => f.externalId === 'cy')?.faceId).toBe(faceId);
    expect(cyOnly.stdout.trim()).toMatch(new RegExp(`^${faceId} {2}cy {2}\\S+$`));
    expect(searched.code, searched.stderr).toBe(0);
    const [answer] = searched.json();
    expect(answer?.matches?.[0]).toMatchObject({ externalId: 'bob', match: true });
    expect(answer?.faceCount).toBe(3);
  });

  it('refuses a face too small to enrol by default, and enrols it with --quality-filter none', async () => {
    expect((await collection(['create', 'strict'])).code).toBe(0);
    const tiny = join(dataDir, 'cy-tiny.jpg');
    await writeFile(tiny, await sharp(cyPortrait).resize({ width: 60 }).jpeg().toBuffer());
    const refused = await collection(['index', 'strict', '--id', 'cy', tiny]);
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toMatch(
      /cy-tiny\.jpg {2}error PoorFaceQuality: .*too small.*\(TooSmall, qualityFilter auto\)/,
    );
    const kept = await collection([
      'index',
      'strict',
      '--id',
      'cy',
      tiny,
      '--quality-filter',
      'none',
      '--json',
    ]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.json()[0]?.faces).toHaveLength(1);
    expect((await api('GET', '/collections/{collectionId}', 'strict')).body).toMatchObject({ faceCount: 1 });
  });

  it('forgets a person through the CLI, and the server no longer has their faces', async () => {
    const forgot = await collection(['forget', 'door', 'bob']);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout.trim()).toBe('forgot bob: 1 face deleted');
    const listed = await fetch(new URL('/collections/door/faces?externalId=bob', server.url));
    expect(await listed.json()).toEqual({ faces: [] });
    expect((await api('GET', '/collections/{collectionId}', 'door')).body).toMatchObject({
      faceCount: 2,
      subjectCount: 2,
    });
    // The server searched this collection before (its matrix is in memory): bob is gone from it too.
    const image = (await readFile(probe.bob)).toString('base64');
    const { body } = await api('POST', '/collections/{collectionId}/search', 'door', { image });
    const matches = body.matches as NonNullable<Line['matches']>;
    expect(matches.map((m) => m.externalId).sort()).toEqual(['ada', 'cy']);
    expect(matches.some((m) => m.match)).toBe(false);
  });
});
