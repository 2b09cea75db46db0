/**
 * Collections through the real local server (`npm start`'s, with its SQLite file in a temporary data
 * folder): the whole lifecycle over HTTP on real photos, every bad input a typed 4xx that stores
 * nothing, concurrent enrolments, a collection of another model, and logs free of images and
 * embeddings. Every JSON answer is checked against the OpenAPI document.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SearchMatch } from '../../functions/collections/collections.ts';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import type { Box, Face } from '../../functions/core/types.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { collectionsDatabase } from '../../functions/shared/runtime-config.ts';
import { pngHeaderOnly } from '../core/fixtures.ts';
import { hasLfw, LFW } from '../shared-data.ts';
import { assertConforms } from './openapi.ts';
import { cropJpeg, demoPhoto, gradientPng } from './photos.ts';

const lfwHere = hasLfw('the LFW search test skipped');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MODEL = { name: expect.any(String), version: expect.any(String) };

let server: LocalServer;
let dataDir: string;
/** Portraits cut from the demo's group photo 1 at 640 px: three people to enrol. */
const portraits: Record<'ada' | 'bob' | 'cy', Buffer> = {} as never;
/** The same three people cut from the photo at full resolution: other pixels of the same faces. */
const probes: Record<'ada' | 'bob' | 'cy', Buffer> = {} as never;
/** Ada again, from the photo at 960 px: her second enrolled face. */
let adaAgain: Buffer;
/** Someone of another photo, never enrolled in `people`. */
let stranger: Buffer;
let group: Buffer;
let groupFaces: number;
let faceless: Buffer;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/**
 * One request to a route of the table, `template` as the document names it (`{collectionId}` filled
 * from `params`): the answer, its body checked against the document (204: no body at all).
 */
async function call(
  method: string,
  template: string,
  params: Record<string, string> = {},
  init: { body?: unknown; raw?: string; type?: string; query?: Record<string, string> } = {},
): Promise<Answer> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const url = new URL(path, server.url);
  for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const headers: Record<string, string> =
    body === undefined ? {} : { 'content-type': init.type ?? 'application/json' };
  const response = await fetch(url, { method, headers, ...(body !== undefined && { body }) });
  if (response.status === 204) {
    expect(await response.text()).toBe('');
    return { status: 204, body: {} };
  }
  const json = await response.json();
  assertConforms(`${method} ${template}`, response.status, json);
  return { status: response.status, body: json };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const put = (id: string) => call('PUT', '/collections/{collectionId}', { collectionId: id });
const get = (id: string) => call('GET', '/collections/{collectionId}', { collectionId: id });
const remove = (id: string) => call('DELETE', '/collections/{collectionId}', { collectionId: id });
const enrol = (id: string, externalId: unknown, image: Uint8Array | string, extra: object = {}) =>
  call(
    'POST',
    '/collections/{collectionId}/faces',
    { collectionId: id },
    { body: { image: typeof image === 'string' ? image : b64(image), externalId, ...extra } },
  );
const search = (id: string, image: Uint8Array, extra: object = {}) =>
  call(
    'POST',
    '/collections/{collectionId}/search',
    { collectionId: id },
    { body: { image: b64(image), ...extra } },
  );
/** POST /collections/people/faces with a body made by hand. */
const enrolRaw = (init: { body?: unknown; raw?: string; type?: string }) =>
  call('POST', '/collections/{collectionId}/faces', { collectionId: 'people' }, init);
const faces = (id: string, query: Record<string, string> = {}) =>
  call('GET', '/collections/{collectionId}/faces', { collectionId: id }, { query });

interface ListedFace {
  faceId: string;
  externalId: string;
  box: Box;
  createdAt: string;
}

type Match = SearchMatch;

/** Every page of a listing, following nextToken; also the number of pages. */
async function everyPage<T>(
  fetchPage: (query: Record<string, string>) => Promise<Answer>,
  key: string,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let nextToken: string | undefined;
  do {
    const { status, body } = await fetchPage({ limit: String(limit), ...(nextToken && { nextToken }) });
    expect(status).toBe(200);
    const page = body[key] as T[];
    expect(page.length).toBeLessThanOrEqual(limit);
    items.push(...page);
    nextToken = body.nextToken as string | undefined;
    pages++;
  } while (nextToken);
  return { items, pages };
}

async function collectionOf(id: string): Promise<{ faceCount: number; subjectCount: number }> {
  const { status, body } = await get(id);
  expect(status).toBe(200);
  return body as never;
}

async function allCollectionIds(): Promise<string[]> {
  const { items } = await everyPage<{ collectionId: string }>(
    (query) => call('GET', '/collections', {}, { query }),
    'collections',
    1000,
  );
  return items.map((c) => c.collectionId);
}

/** The stored embeddings of these faces, read from the server's database file by another connection. */
function storedEmbeddings(faceIds: string[]): Buffer[] {
  const db = new Database(collectionsDatabase(dataDir), { readonly: true });
  try {
    const select = db.prepare('SELECT embedding FROM faces WHERE face_id = ?').pluck();
    return faceIds.map((faceId) => select.get(faceId) as Buffer);
  } finally {
    db.close();
  }
}

/** Whether any of these bytes are anywhere in the database file or its write-ahead log. */
async function onDisk(embeddings: Buffer[]): Promise<boolean> {
  const path = collectionsDatabase(dataDir);
  const files = await Promise.all(
    [path, `${path}-wal`].map((file) => readFile(file).catch(() => Buffer.alloc(0))),
  );
  return embeddings.some((embedding) => files.some((file) => file.includes(embedding)));
}

function scaled(box: Box, factor: number): Box {
  return { x: box.x * factor, y: box.y * factor, width: box.width * factor, height: box.height * factor };
}

async function detected(photo: Buffer): Promise<Face[]> {
  const response = await fetch(new URL('/detect', server.url), {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(photo),
  });
  return ((await response.json()) as { faces: Face[] }).faces;
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  dataDir = await mkdtemp(join(tmpdir(), 'faceverify-collections-'));
  server = await startServer({ port: 0, s3Port: 0, dataDir });
  const [small, middle, full, other] = await Promise.all([
    demoPhoto(1, 640),
    demoPhoto(1, 960),
    demoPhoto(1),
    demoPhoto(2, 640),
  ]);
  const found = await detected(small);
  expect(found.length).toBeGreaterThanOrEqual(3);
  const names = ['ada', 'bob', 'cy'] as const;
  for (const [i, name] of names.entries()) {
    const { box } = found[i] as Face;
    portraits[name] = await cropJpeg(small, box);
    probes[name] = await cropJpeg(full, scaled(box, 3));
  }
  adaAgain = await cropJpeg(middle, scaled((found[0] as Face).box, 1.5));
  const others = await detected(other);
  stranger = await cropJpeg(other, (others[0] as Face).box);
  group = await demoPhoto(3, 640);
  groupFaces = (await detected(group)).length;
  faceless = await gradientPng(320, 240);
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the lifecycle of a collection over HTTP', () => {
  let created: string;
  const enrolled: Record<string, string[]> = { ada: [], bob: [], cy: [] };

  it('PUT creates a collection (201), and answers the same one again (200)', async () => {
    const first = await put('people');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      collectionId: 'people',
      model: MODEL,
      faceCount: 0,
      subjectCount: 0,
      createdAt: expect.any(String),
    });
    created = first.body.createdAt as string;
    expect(Math.abs(Date.parse(created) - Date.now())).toBeLessThan(60_000);
    const again = await put('people');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await get('people')).toEqual({ status: 200, body: first.body });
  });

  it('GET /collections pages through every collection by id, each once', async () => {
    for (const id of ['page-c', 'page-a', 'page-b']) expect((await put(id)).status).toBe(201);
    const { items, pages } = await everyPage<{ collectionId: string }>(
      (query) => call('GET', '/collections', {}, { query }),
      'collections',
      2,
    );
    const ids = items.map((c) => c.collectionId);
    expect(ids).toEqual(['page-a', 'page-b', 'page-c', 'people']);
    expect(pages).toBe(2);
    const one = await call('GET', '/collections', {}, { query: { limit: '1' } });
    expect(one.body.collections).toHaveLength(1);
    expect(one.body.nextToken).toEqual(expect.any(String));
    const whole = await call('GET', '/collections');
    expect(whole.body.nextToken).toBeUndefined();
    for (const id of ['page-a', 'page-b', 'page-c']) expect((await remove(id)).status).toBe(204);
  });

  it('GET of a collection that does not exist is 404 CollectionNotFound', async () => {
    const { status, body } = await get('nobody');
    expect(status).toBe(404);
    expect(body.error?.code).toBe('CollectionNotFound');
  });

  it('POST faces enrols the subject of each photo: faceId, box, pose and the model', async () => {
    const width = (await sharp(portraits.ada).metadata()).width ?? 0;
    let model: unknown;
    for (const [name, photo] of [
      ['ada', portraits.ada],
      ['bob', portraits.bob],
      ['cy', portraits.cy],
      ['ada', adaAgain],
    ] as const) {
      const { status, body } = await enrol('people', name, photo);
      expect(status).toBe(201);
      const [face, ...more] = body.faces as (Face & { faceId: string; externalId: string; pose: string })[];
      expect(more).toEqual([]);
      expect(body.unindexedFaces).toEqual([]);
      expect(body.model).toMatchObject({ detector: MODEL, embedder: MODEL });
      model = (body.model as { embedder: unknown }).embedder;
      expect(face?.faceId).toMatch(UUID);
      expect(face?.externalId).toBe(name);
      expect(['frontal', 'profile']).toContain(face?.pose);
      expect(face?.score).toBeGreaterThan(0.5);
      expect(face?.box.width).toBeGreaterThan(10);
      if (photo === portraits.ada)
        expect((face?.box.x ?? 0) + (face?.box.width ?? 0)).toBeLessThanOrEqual(width);
      enrolled[name]?.push(face?.faceId as string);
    }
    const collection = await get('people');
    expect(collection.body).toMatchObject({ faceCount: 4, subjectCount: 3, createdAt: created });
    // The collection records the embedder that enrolled its faces.
    const { name, version } = model as { name: string; version: string };
    expect(collection.body.model).toEqual({ name, version });
  });

  it('maxFaces > 1 enrols that many faces of a group photo, the rest ExceedsMaxFaces', async () => {
    expect(groupFaces).toBeGreaterThanOrEqual(3);
    await put('group');
    const { status, body } = await enrol('group', 'crowd', group, { maxFaces: 2 });
    expect(status).toBe(201);
    const enrolledFaces = body.faces as { faceId: string; externalId: string; box: Box }[];
    const skipped = body.unindexedFaces as { box: Box; reason: string }[];
    expect(enrolledFaces).toHaveLength(2);
    expect(new Set(enrolledFaces.map((f) => f.faceId)).size).toBe(2);
    expect(enrolledFaces.every((f) => f.externalId === 'crowd')).toBe(true);
    expect(skipped).toHaveLength(groupFaces - 2);
    expect(skipped.every((f) => f.reason === 'ExceedsMaxFaces' && f.box.width > 0)).toBe(true);
    // Largest first: no skipped face is larger than an enrolled one.
    const area = (b: Box) => b.width * b.height;
    const smallestKept = Math.min(...enrolledFaces.map((f) => area(f.box)));
    expect(skipped.every((f) => area(f.box) <= smallestKept + 1e-6)).toBe(true);
    expect(await collectionOf('group')).toMatchObject({ faceCount: 2, subjectCount: 1 });
    // Faces of one photo share their createdAt: pages of one still give each exactly once.
    const paged = await everyPage<ListedFace>((query) => faces('group', query), 'faces', 1);
    expect(paged.items.map((f) => f.faceId).sort()).toEqual(enrolledFaces.map((f) => f.faceId).sort());
    expect((await remove('group')).status).toBe(204);
  });

  it('GET faces lists every face, by person and in pages, never an embedding', async () => {
    const all = (await faces('people')).body.faces as ListedFace[];
    expect(all).toHaveLength(4);
    expect(new Set(all.map((f) => f.faceId))).toEqual(new Set(Object.values(enrolled).flat()));
    for (const face of all)
      expect(Object.keys(face).sort()).toEqual(['box', 'createdAt', 'externalId', 'faceId']);
    const ada = (await faces('people', { externalId: 'ada' })).body.faces as ListedFace[];
    expect(ada.map((f) => f.faceId).sort()).toEqual([...(enrolled.ada ?? [])].sort());
    expect((await faces('people', { externalId: 'nobody' })).body.faces).toEqual([]);
    const paged = await everyPage<ListedFace>((query) => faces('people', query), 'faces', 1);
    expect(paged.pages).toBe(4);
    expect(paged.items).toEqual(all);
    const byPerson = await everyPage<ListedFace>(
      (query) => faces('people', { ...query, externalId: 'ada' }),
      'faces',
      1,
    );
    expect(byPerson.items).toEqual(ada);
  });

  it('search finds each enrolled person at rank 1 from other pixels of their face', async () => {
    for (const name of ['ada', 'bob', 'cy'] as const) {
      const { status, body } = await search('people', probes[name]);
      expect(status).toBe(200);
      const matches = body.matches as Match[];
      expect(matches[0]).toMatchObject({ externalId: name, match: true });
      expect(matches[0]?.similarity).toBeGreaterThanOrEqual(matches[0]?.threshold as number);
      // One entry per person (ada has two faces), best first, the others not matching.
      expect(matches.map((m) => m.externalId).sort()).toEqual(['ada', 'bob', 'cy']);
      expect(matches.map((m) => m.similarity)).toEqual(
        [...matches.map((m) => m.similarity)].sort((a, b) => b - a),
      );
      expect(matches.slice(1).every((m) => !m.match)).toBe(true);
      for (const m of matches) {
        expect(enrolled[m.externalId]).toContain(m.faceId);
        expect(m.far).toBeGreaterThanOrEqual(0);
        expect(m.far).toBeLessThanOrEqual(1);
      }
      expect(body).toMatchObject({
        faceCount: 4,
        model: { embedder: MODEL },
        fpir: expect.any(Number),
        searchedFace: { box: expect.any(Object), score: expect.any(Number), pose: expect.any(String) },
        timings: expect.any(Object),
      });
      expect(body.fpir as number).toBeLessThan(0.01);
    }
  });

  it('search of someone not enrolled matches nobody, with fpir from the best similarity', async () => {
    const { status, body } = await search('people', stranger);
    expect(status).toBe(200);
    const matches = body.matches as Match[];
    expect(matches).toHaveLength(3);
    expect(matches.every((m) => !m.match && m.similarity < m.threshold)).toBe(true);
    expect(body.fpir as number).toBeGreaterThan(0);
    // fpir = 1 − (1 − far(top))^faceCount, up to rounding each to two significant digits.
    const top = matches[0] as Match;
    const expected = 1 - (1 - top.far) ** 4;
    expect(Math.abs((body.fpir as number) - expected) / expected).toBeLessThan(0.06);
  });

  it('maxResults and a caller threshold shape the answer', async () => {
    const one = await search('people', probes.bob, { maxResults: 1 });
    expect((one.body.matches as Match[]).map((m) => m.externalId)).toEqual(['bob']);
    const loose = await search('people', stranger, { threshold: -1 });
    expect((loose.body.matches as Match[]).every((m) => m.match && m.threshold === -1)).toBe(true);
    const strict = await search('people', probes.ada, { threshold: 1 });
    expect((strict.body.matches as Match[]).some((m) => m.match)).toBe(false);
    // A looser maxFpir gives a lower (or equal) threshold than a stricter one.
    const [lax, tight] = await Promise.all([
      search('people', stranger, { maxFpir: 0.5 }),
      search('people', stranger, { maxFpir: 0.0001 }),
    ]);
    const threshold = (a: Answer) => (a.body.matches as Match[])[0]?.threshold as number;
    expect(threshold(lax)).toBeLessThan(threshold(tight));
  });

  it('DELETE of a face answers 204, then 404 FaceNotFound; the face is gone', async () => {
    const [first, second] = enrolled.ada as [string, string];
    const path = '/collections/{collectionId}/faces/{faceId}';
    expect((await call('DELETE', path, { collectionId: 'people', faceId: second })).status).toBe(204);
    const again = await call('DELETE', path, { collectionId: 'people', faceId: second });
    expect(again.status).toBe(404);
    expect(again.body.error?.code).toBe('FaceNotFound');
    const left = (await faces('people')).body.faces as ListedFace[];
    expect(left.map((f) => f.faceId)).not.toContain(second);
    expect(left.map((f) => f.faceId)).toContain(first);
    expect(await collectionOf('people')).toMatchObject({ faceCount: 3, subjectCount: 3 });
    const found = await search('people', probes.ada);
    expect((found.body.matches as Match[])[0]).toMatchObject({
      externalId: 'ada',
      faceId: first,
      match: true,
    });
  });

  it('DELETE of a subject erases every face of that person: search no longer returns them', async () => {
    expect((await enrol('people', 'bob', portraits.bob)).status).toBe(201);
    expect(await collectionOf('people')).toMatchObject({ faceCount: 4, subjectCount: 3 });
    const bobs = ((await faces('people', { externalId: 'bob' })).body.faces as ListedFace[]).map(
      (f) => f.faceId,
    );
    const vectors = storedEmbeddings(bobs);
    expect(vectors.map((v) => v.length)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(await onDisk(vectors)).toBe(true);
    const path = '/collections/{collectionId}/subjects/{externalId}';
    expect((await call('DELETE', path, { collectionId: 'people', externalId: 'bob' })).status).toBe(204);
    expect(await collectionOf('people')).toMatchObject({ faceCount: 2, subjectCount: 2 });
    // An erasure: the vectors are gone from the file and its log, not only the records.
    expect(await onDisk(vectors)).toBe(false);
    const listed = (await faces('people')).body.faces as ListedFace[];
    expect(listed.map((f) => f.externalId).sort()).toEqual(['ada', 'cy']);
    expect((await faces('people', { externalId: 'bob' })).body.faces).toEqual([]);
    const { body } = await search('people', probes.bob);
    const matches = body.matches as Match[];
    expect(matches.map((m) => m.externalId)).not.toContain('bob');
    expect(matches.some((m) => m.match)).toBe(false);
    expect(body.faceCount).toBe(2);
  });

  it('takes every character an externalId may hold, in the body, the query and the path', async () => {
    const person = 'mail:ada.l@example.org_1-2';
    expect((await enrol('people', person, portraits.cy)).status).toBe(201);
    const listed = (await faces('people', { externalId: person })).body.faces as ListedFace[];
    expect(listed.map((f) => f.externalId)).toEqual([person]);
    const path = '/collections/{collectionId}/subjects/{externalId}';
    expect((await call('DELETE', path, { collectionId: 'people', externalId: person })).status).toBe(204);
    expect((await faces('people', { externalId: person })).body.faces).toEqual([]);
    expect(await collectionOf('people')).toMatchObject({ faceCount: 2, subjectCount: 2 });
  });

  it('an empty collection answers search with no matches and fpir 0', async () => {
    await put('empty');
    const { status, body } = await search('empty', probes.ada);
    expect(status).toBe(200);
    expect(body).toMatchObject({ matches: [], fpir: 0, faceCount: 0 });
    expect((await remove('empty')).status).toBe(204);
  });
});

describe('bad input: a typed 4xx, and nothing stored', () => {
  let before: { ids: string[]; people: { faceCount: number; subjectCount: number }; faces: ListedFace[] };

  beforeAll(async () => {
    before = {
      ids: await allCollectionIds(),
      people: await collectionOf('people'),
      faces: (await faces('people')).body.faces as ListedFace[],
    };
    expect(before.people.faceCount).toBeGreaterThan(0);
  });

  const long = 'x'.repeat(129);
  const tooLong = 'y'.repeat(256);
  const CASES: [name: string, status: number, code: string, request: () => Promise<Answer>][] = [
    [
      'enrol into an unknown collection',
      404,
      'CollectionNotFound',
      () => enrol('nobody', 'ada', portraits.ada),
    ],
    ['search an unknown collection', 404, 'CollectionNotFound', () => search('nobody', probes.ada)],
    ['list the faces of an unknown collection', 404, 'CollectionNotFound', () => faces('nobody')],
    ['delete an unknown collection', 404, 'CollectionNotFound', () => remove('nobody')],
    [
      'forget a person of an unknown collection',
      404,
      'CollectionNotFound',
      () =>
        call('DELETE', '/collections/{collectionId}/subjects/{externalId}', {
          collectionId: 'nobody',
          externalId: 'ada',
        }),
    ],
    [
      'delete a face of an unknown collection',
      404,
      'CollectionNotFound',
      () =>
        call('DELETE', '/collections/{collectionId}/faces/{faceId}', {
          collectionId: 'nobody',
          faceId: '00000000-0000-4000-8000-000000000000',
        }),
    ],
    ['create a collection id with a space', 400, 'InvalidRequest', () => put('has space')],
    ['create a collection id of 129 characters', 400, 'InvalidRequest', () => put(long)],
    ['create a collection id with a slash', 400, 'InvalidRequest', () => put('a/b')],
    ['enrol into a bad collection id', 400, 'InvalidRequest', () => enrol('has space', 'ada', portraits.ada)],
    [
      'enrol under an externalId with a space',
      400,
      'InvalidRequest',
      () => enrol('people', 'Ada Lovelace', portraits.ada),
    ],
    [
      'enrol under an externalId of 256 characters',
      400,
      'InvalidRequest',
      () => enrol('people', tooLong, portraits.ada),
    ],
    ['enrol without an externalId', 400, 'InvalidRequest', () => enrol('people', undefined, portraits.ada)],
    ['enrol under a numeric externalId', 400, 'InvalidRequest', () => enrol('people', 42, portraits.ada)],
    [
      'enrol with maxFaces 0',
      400,
      'InvalidRequest',
      () => enrol('people', 'ada', portraits.ada, { maxFaces: 0 }),
    ],
    [
      'enrol with maxFaces 101',
      400,
      'InvalidRequest',
      () => enrol('people', 'ada', portraits.ada, { maxFaces: 101 }),
    ],
    ['enrol a photo without a face', 422, 'NoFaceDetected', () => enrol('people', 'ada', faceless)],
    [
      'enrol bytes that are not an image',
      400,
      'InvalidImage',
      () => enrol('people', 'ada', Buffer.from('not a photo')),
    ],
    [
      'enrol an image of too many pixels',
      413,
      'ImageTooLarge',
      () => enrol('people', 'ada', pngHeaderOnly(8000, 6000)),
    ],
    [
      'enrol a body over the payload limit',
      413,
      'ImageTooLarge',
      () => enrol('people', 'ada', Buffer.alloc(5 * 1024 * 1024, 7)),
    ],
    ['enrol without an image', 400, 'InvalidRequest', () => enrolRaw({ body: { externalId: 'ada' } })],
    [
      'enrol with a body that is not JSON',
      400,
      'InvalidRequest',
      () => enrolRaw({ raw: '{"image": ', type: 'application/json' }),
    ],
    [
      'enrol with a text body',
      415,
      'UnsupportedMediaType',
      () => enrolRaw({ raw: 'ada', type: 'text/plain' }),
    ],
    ['search with a photo without a face', 422, 'NoFaceDetected', () => search('people', faceless)],
    [
      'search with maxResults 0',
      400,
      'InvalidRequest',
      () => search('people', probes.ada, { maxResults: 0 }),
    ],
    [
      'search with maxResults 101',
      400,
      'InvalidRequest',
      () => search('people', probes.ada, { maxResults: 101 }),
    ],
    [
      'search with maxResults 2.5',
      400,
      'InvalidRequest',
      () => search('people', probes.ada, { maxResults: 2.5 }),
    ],
    ['search with maxFpir 0', 400, 'InvalidRequest', () => search('people', probes.ada, { maxFpir: 0 })],
    ['search with maxFpir 1', 400, 'InvalidRequest', () => search('people', probes.ada, { maxFpir: 1 })],
    ['search with maxFpir "x"', 400, 'InvalidRequest', () => search('people', probes.ada, { maxFpir: 'x' })],
    ['search with threshold 2', 400, 'InvalidRequest', () => search('people', probes.ada, { threshold: 2 })],
    [
      'search with a body that is not JSON',
      400,
      'InvalidRequest',
      () =>
        call(
          'POST',
          '/collections/{collectionId}/search',
          { collectionId: 'people' },
          { raw: '[1, ', type: 'application/json' },
        ),
    ],
    [
      'list collections with a forged nextToken',
      400,
      'InvalidRequest',
      () => call('GET', '/collections', {}, { query: { nextToken: 'garbage' } }),
    ],
    [
      'list collections with a token of the wrong shape',
      400,
      'InvalidRequest',
      () =>
        call(
          'GET',
          '/collections',
          {},
          { query: { nextToken: Buffer.from('{"a":1}').toString('base64url') } },
        ),
    ],
    [
      'list collections with limit 0',
      400,
      'InvalidRequest',
      () => call('GET', '/collections', {}, { query: { limit: '0' } }),
    ],
    [
      'list faces with a forged nextToken',
      400,
      'InvalidRequest',
      () => faces('people', { nextToken: 'garbage' }),
    ],
    ['list faces with limit 1001', 400, 'InvalidRequest', () => faces('people', { limit: '1001' })],
    ['list faces of a bad externalId', 400, 'InvalidRequest', () => faces('people', { externalId: 'a b' })],
    [
      'delete a face by an id that is no UUID',
      400,
      'InvalidRequest',
      () =>
        call('DELETE', '/collections/{collectionId}/faces/{faceId}', {
          collectionId: 'people',
          faceId: 'not-a-uuid',
        }),
    ],
    [
      'delete a face that does not exist',
      404,
      'FaceNotFound',
      () =>
        call('DELETE', '/collections/{collectionId}/faces/{faceId}', {
          collectionId: 'people',
          faceId: '00000000-0000-4000-8000-000000000000',
        }),
    ],
    [
      'forget a person by a bad externalId',
      400,
      'InvalidRequest',
      () =>
        call('DELETE', '/collections/{collectionId}/subjects/{externalId}', {
          collectionId: 'people',
          externalId: 'a b',
        }),
    ],
  ];

  it.each(CASES)('%s: %i %s', async (_, status, code, request) => {
    const answer = await request();
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ code, message: expect.stringMatching(/\w/) });
  });

  it('stored nothing for any of them: no collection, no face, no count changed', async () => {
    expect(await allCollectionIds()).toEqual(before.ids);
    expect(await collectionOf('people')).toEqual(expect.objectContaining(before.people));
    expect((await faces('people')).body.faces).toEqual(before.faces);
  });
});

describe('a collection under load and across models', () => {
  it('creates a collection once when asked four times at once', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => put('busy')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.createdAt)).size).toBe(1);
  });

  it('takes 16 concurrent enrolments into one collection, every one stored', async () => {
    const photos = [portraits.ada, portraits.bob, portraits.cy, stranger];
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => enrol('busy', `person-${i}`, photos[i % photos.length] as Buffer)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(201));
    const ids = answers.map((a) => (a.body.faces as { faceId: string }[])[0]?.faceId);
    expect(new Set(ids).size).toBe(16);
    expect(await collectionOf('busy')).toMatchObject({ faceCount: 16, subjectCount: 16 });
    const listed = (await faces('busy')).body.faces as ListedFace[];
    expect(new Set(listed.map((f) => f.faceId))).toEqual(new Set(ids));
    expect((await remove('busy')).status).toBe(204);
  });

  it('answers 409 ModelMismatch for a collection another embedder filled, on enrol and search', async () => {
    // Another process on the same database file, as a server of an older release would have left it.
    const store = new SqliteCollectionStore(collectionsDatabase(dataDir));
    try {
      await store.createCollection('', 'legacy', { name: 'retired-embedder', version: '0.1' }, 128);
    } finally {
      await store.close();
    }
    const legacy = await get('legacy');
    expect(legacy.body.model).toEqual({ name: 'retired-embedder', version: '0.1' });
    for (const answer of [await enrol('legacy', 'ada', portraits.ada), await search('legacy', probes.ada)]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error?.code).toBe('ModelMismatch');
      expect(answer.body.error?.message).toMatch(/retired-embedder@0\.1/);
    }
    expect(await collectionOf('legacy')).toMatchObject({ faceCount: 0, subjectCount: 0 });
    expect((await remove('legacy')).status).toBe(204);
  });
});

describe('privacy', () => {
  it('logs no image bytes and no embedding while enrolling and searching', async () => {
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    logger.setLogLevel('DEBUG');
    try {
      await put('private');
      expect((await enrol('private', 'ada', portraits.ada)).status).toBe(201);
      expect((await enrol('private', 'bob', portraits.bob, { maxFaces: 3 })).status).toBe(201);
      expect((await search('private', probes.ada)).status).toBe(200);
      expect((await enrol('private', 'cy', faceless)).status).toBe(422);
      expect((await faces('private')).status).toBe(200);
    } finally {
      logger.setLogLevel('ERROR');
      out.mockRestore();
      err.mockRestore();
    }
    const log = written.join('\n');
    // The request lines were written (so there was something to look at) …
    expect(log).toMatch(/POST \/collections\/\{collectionId\}\/faces/);
    expect(log).toMatch(/POST \/collections\/\{collectionId\}\/search/);
    // … and none holds an image (base64 of any photo sent, or any long base64 run) …
    for (const photo of [portraits.ada, portraits.bob, probes.ada, faceless]) {
      const encoded = b64(photo);
      expect(log).not.toContain(encoded.slice(0, 40));
      expect(log).not.toContain(encoded.slice(1000, 1040));
    }
    expect(log).not.toMatch(/[A-Za-z0-9+/]{200,}/);
    // … or an embedding: a run of many numbers, as an array or as keys of a typed array.
    expect(log).not.toMatch(/(-?\d+(\.\d+)?(e-?\d+)?\s*,\s*){16,}/);
    expect(log).not.toMatch(/"\d+":\s*-?\d/);
    expect((await remove('private')).status).toBe(204);
  });
});

describe.runIf(lfwHere)('search on LFW: other photos of the people enrolled', () => {
  const ENROLLED = ['Jennifer_Lopez', 'Ricardo_Lagos', 'Zhu_Rongji'];
  /** The person's n-th photo (0-based) in the folder's order. */
  const photo = async (name: string, n: number) => {
    const folder = new URL(`${name}/`, LFW);
    return readFile(new URL((await readdir(folder)).sort()[n] as string, folder));
  };

  it('finds each at rank 1 from their second photo, and a stranger matches nobody', async () => {
    await put('lfw');
    for (const name of ENROLLED) expect((await enrol('lfw', name, await photo(name, 0))).status).toBe(201);
    for (const name of ENROLLED) {
      const { body } = await search('lfw', await photo(name, 1));
      expect((body.matches as Match[])[0], name).toMatchObject({ externalId: name, match: true });
    }
    const { body } = await search('lfw', await photo('Paul_Wolfowitz', 0));
    expect((body.matches as Match[]).some((m) => m.match)).toBe(false);
    expect((await remove('lfw')).status).toBe(204);
  });
});

describe('the quality filter on enrolment', () => {
  const PROFILE = new URL('../../../shared/data/cfp-dev/images/253/profile/02.jpg', import.meta.url);
  const count = async () => (await get('filtered')).body.faceCount;
  /**
   * Bob's portrait blurred: a face the detector still finds, too blurred to recognise reliably (at a
   * lighter blur its landmarks, hence its pose, go astray first and it is refused as ExtremePose).
   */
  const blurred = () => sharp(portraits.bob).blur(4).jpeg().toBuffer();

  beforeAll(async () => {
    expect((await put('filtered')).status).toBe(201);
  });
  afterAll(async () => {
    await remove('filtered');
  });

  it('refuses a blurred photo with 422 PoorFaceQuality (LowQuality) and stores nothing; none stores it', async () => {
    const refused = await enrol('filtered', 'bob', await blurred());
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'PoorFaceQuality',
      reason: 'LowQuality',
      image: 'image',
    });
    expect(refused.body.error?.message).toMatch(/blurred.*qualityFilter/);
    expect(await count()).toBe(0);
    const kept = await enrol('filtered', 'bob', await blurred(), { qualityFilter: 'none' });
    expect(kept.status).toBe(201);
    expect(kept.body.faces).toHaveLength(1);
    expect(await count()).toBe(1);
  });

  it('lists the refused face of a photo in unindexedFaces with its reason, storing only the good one', async () => {
    // Bob's portrait and its blurred copy side by side: two faces, one of them poor.
    const { width = 0, height = 0 } = await sharp(portraits.bob).metadata();
    const pair = await sharp({ create: { width: 2 * width, height, channels: 3, background: '#808080' } })
      .composite([
        { input: portraits.bob, left: 0, top: 0 },
        { input: await blurred(), left: width, top: 0 },
      ])
      .jpeg()
      .toBuffer();
    const before = (await count()) as number;
    const { status, body } = await enrol('filtered', 'pair', pair, { maxFaces: 2 });
    expect(status).toBe(201);
    const [face, ...more] = body.faces as { box: Box }[];
    expect(more).toEqual([]);
    expect((face as { box: Box }).box.x).toBeLessThan(width);
    expect(body.unindexedFaces).toEqual([{ box: expect.any(Object), reason: 'LowQuality' }]);
    expect((body.unindexedFaces as { box: Box }[])[0]?.box.x).toBeGreaterThanOrEqual(width * 0.9);
    expect(await count()).toBe(before + 1);
    const listed = await faces('filtered', { externalId: 'pair' });
    expect((listed.body.faces as ListedFace[]).map((f) => f.faceId)).toEqual([
      (face as unknown as { faceId: string }).faceId,
    ]);
  });

  it('refuses a face too small to recognise as TooSmall, unless qualityFilter is none', async () => {
    const tiny = await sharp(portraits.ada).resize({ width: 60 }).jpeg().toBuffer();
    const before = await count();
    const refused = await enrol('filtered', 'tiny', tiny);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'PoorFaceQuality', reason: 'TooSmall' });
    expect(await count()).toBe(before);
    expect((await enrol('filtered', 'tiny', tiny, { qualityFilter: 'none' })).status).toBe(201);
    expect(await count()).toBe((before as number) + 1);
  });

  it.runIf(existsSync(PROFILE))(
    'refuses a face in profile (CFP) as ExtremePose at every level but none',
    async () => {
      const profile = await readFile(PROFILE);
      const before = await count();
      for (const qualityFilter of ['auto', 'low', 'high']) {
        const refused = await enrol('filtered', 'side', profile, { qualityFilter });
        expect(refused.status, qualityFilter).toBe(422);
        expect(refused.body.error).toMatchObject({ code: 'PoorFaceQuality', reason: 'ExtremePose' });
      }
      expect(await count()).toBe(before);
      expect((await enrol('filtered', 'side', profile, { qualityFilter: 'none' })).status).toBe(201);
    },
  );

  it('answers 400 InvalidRequest to an unknown qualityFilter', async () => {
    const { status, body } = await enrol('filtered', 'ada', portraits.ada, { qualityFilter: 'strict' });
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(/qualityFilter.*none, auto, low, medium, high/);
  });
});

describe('DELETE of a collection', () => {
  it('answers 204, then 404 CollectionNotFound to every route of it; its vectors are gone', async () => {
    const ids = ((await faces('people')).body.faces as ListedFace[]).map((f) => f.faceId);
    const vectors = storedEmbeddings(ids);
    expect(vectors.length).toBeGreaterThan(0);
    expect(await onDisk(vectors)).toBe(true);
    expect((await remove('people')).status).toBe(204);
    expect(await onDisk(vectors)).toBe(false);
    for (const answer of [
      await get('people'),
      await remove('people'),
      await search('people', probes.ada),
      await enrol('people', 'ada', portraits.ada),
      await faces('people'),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('CollectionNotFound');
    }
    expect(await allCollectionIds()).not.toContain('people');
    // Re-created, it starts empty: the old faces went with the collection.
    expect((await put('people')).body).toMatchObject({ faceCount: 0, subjectCount: 0 });
    expect((await faces('people')).body.faces).toEqual([]);
    expect((await remove('people')).status).toBe(204);
  });
});
