/**
 * The behaviour every CollectionStore must have: each store's test file calls describeCollectionStore
 * with a factory for a fresh, empty store. Embeddings are seeded random unit vectors; search is checked
 * against a brute-force cosine over the same vectors.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectionStore, FaceRecord, NewFace } from '../../functions/collections/store.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

export interface StoreUnderTest {
  store: CollectionStore;
  cleanup: () => Promise<void>;
}

const OWNER = 'owner-a';
const OTHER = 'owner-b';
const MODEL = { name: 'dlib-resnet+mobilefacenet', version: 'test-1' };
const DIMENSION = 128;

export function randomUnit(random: () => number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    // Box–Muller: a normal per coordinate makes the direction uniform on the sphere.
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    v[i] = g;
    norm += g * g;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) v[i] = (v[i] as number) / norm;
  return v;
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');
export function newFace(externalId: string, embedding: Float32Array, createdAt?: string): NewFace {
  clock += 1000;
  return {
    faceId: randomUUID(),
    externalId,
    box: { x: 10, y: 20, width: 30.5, height: 40.25 },
    pose: 'frontal',
    createdAt: createdAt ?? new Date(clock).toISOString(),
    embedding,
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The reference answer: every face scored, best per person, people by similarity descending. */
function bruteForce(faces: readonly NewFace[], probe: Float32Array, maxResults: number) {
  const best = new Map<string, { faceId: string; similarity: number }>();
  for (const face of faces) {
    const similarity = cosine(face.embedding, probe);
    const known = best.get(face.externalId);
    if (!known || similarity > known.similarity)
      best.set(face.externalId, { faceId: face.faceId, similarity });
  }
  return [...best.entries()]
    .map(([externalId, b]) => ({ externalId, ...b }))
    .sort((x, y) => y.similarity - x.similarity)
    .slice(0, maxResults);
}

function record({ embedding: _, ...face }: NewFace): FaceRecord {
  return face;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceVerifyError);
  expect((error as FaceVerifyError).code).toBe(code);
}

async function allPages<T>(fetch: (nextToken?: string) => Promise<{ items: T[]; nextToken?: string }>) {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    pages.push(page.items);
    token = page.nextToken;
  } while (token !== undefined && pages.length < 100);
  return pages;
}

export function describeCollectionStore(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`CollectionStore contract: ${name}`, () => {
    let under: StoreUnderTest;
    let store: CollectionStore;
    const random = seededRandom(18);
    const unit = () => randomUnit(random, DIMENSION);

    beforeEach(async () => {
      under = await makeStore();
      store = under.store;
    });
    afterEach(async () => {
      await store.close();
      await under.cleanup();
    });

    it('creates a collection once, then returns it unchanged', async () => {
      const first = await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      expect(first.created).toBe(true);
      expect(first.collection).toMatchObject({
        collectionId: 'staff',
        model: MODEL,
        dimension: DIMENSION,
        faceCount: 0,
        subjectCount: 0,
      });
      expect(Number.isNaN(Date.parse(first.collection.createdAt))).toBe(false);
      const again = await store.createCollection(OWNER, 'staff', { name: 'other', version: '9' }, 64);
      expect(again).toEqual({ collection: first.collection, created: false });
      expect(await store.getCollection(OWNER, 'staff')).toEqual(first.collection);
      expect(await store.getCollection(OWNER, 'visitors')).toBeUndefined();
    });

    it('lists collections by id, page by page, with an opaque token', async () => {
      const ids = ['e', 'a.1', 'c_2', 'b-3', 'd'];
      for (const id of ids) await store.createCollection(OWNER, id, MODEL, DIMENSION);
      const pages = await allPages((nextToken) => store.listCollections(OWNER, { limit: 2, nextToken }));
      expect(pages.map((p) => p.map((c) => c.collectionId))).toEqual([['a.1', 'b-3'], ['c_2', 'd'], ['e']]);
      const whole = await store.listCollections(OWNER, { limit: 5 });
      expect(whole.items).toHaveLength(5);
      expect(whole.nextToken).toBeUndefined();
      expect((await store.listCollections(OWNER, { limit: 10 })).items.map((c) => c.faceCount)).toEqual([
        0, 0, 0, 0, 0,
      ]);
    });

    it('refuses a forged nextToken with InvalidRequest', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      await rejectsWith(
        store.listCollections(OWNER, { limit: 2, nextToken: 'not-a-token' }),
        'InvalidRequest',
      );
      await rejectsWith(store.listFaces(OWNER, 'staff', { limit: 2, nextToken: 'bm9wZQ' }), 'InvalidRequest');
    });

    it('adds faces and counts faces and people', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      await store.addFaces(OWNER, 'staff', [
        newFace('ada', unit()),
        newFace('ada', unit()),
        newFace('bob', unit()),
      ]);
      await store.addFaces(OWNER, 'staff', [newFace('bob', unit()), newFace('cyd', unit())]);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 5, subjectCount: 3 });
    });

    it('adds a batch all or nothing: one bad embedding stores none of it', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const batch = [newFace('ada', unit()), newFace('bob', randomUnit(random, DIMENSION - 1))];
      await expect(store.addFaces(OWNER, 'staff', batch)).rejects.toThrow();
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 0, subjectCount: 0 });
      expect((await store.listFaces(OWNER, 'staff', { limit: 10 })).items).toEqual([]);
      expect(await store.search(OWNER, 'staff', unit(), 5)).toEqual([]);
    });

    it('answers CollectionNotFound for a collection that does not exist', async () => {
      await rejectsWith(store.addFaces(OWNER, 'ghost', [newFace('ada', unit())]), 'CollectionNotFound');
      await rejectsWith(store.listFaces(OWNER, 'ghost', { limit: 10 }), 'CollectionNotFound');
      await rejectsWith(store.search(OWNER, 'ghost', unit(), 5), 'CollectionNotFound');
      expect(await store.deleteFace(OWNER, 'ghost', randomUUID())).toBe(false);
      expect(await store.deleteSubject(OWNER, 'ghost', 'ada')).toBe(0);
      expect(await store.deleteCollection(OWNER, 'ghost')).toBe(false);
    });

    it('lists faces by createdAt then faceId, by person, page by page, never with embeddings', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const sameTime = '2026-02-01T00:00:00.000Z';
      const faces = [
        newFace('ada', unit()),
        newFace('bob', unit()),
        newFace('ada', unit(), sameTime),
        newFace('ada', unit(), sameTime),
        newFace('bob', unit()),
      ];
      await store.addFaces(OWNER, 'staff', faces.slice(0, 3));
      await store.addFaces(OWNER, 'staff', faces.slice(3));
      const order = (list: NewFace[]) =>
        [...list].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.faceId.localeCompare(b.faceId));

      const pages = await allPages((nextToken) => store.listFaces(OWNER, 'staff', { limit: 2, nextToken }));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(order(faces).map(record));
      for (const face of pages.flat()) expect(face).not.toHaveProperty('embedding');

      const ada = await allPages((nextToken) =>
        store.listFaces(OWNER, 'staff', { limit: 2, externalId: 'ada', nextToken }),
      );
      expect(ada.map((p) => p.length)).toEqual([2, 1]);
      expect(ada.flat()).toEqual(order(faces.filter((f) => f.externalId === 'ada')).map(record));
      expect((await store.listFaces(OWNER, 'staff', { limit: 10, externalId: 'nobody' })).items).toEqual([]);
    });

    it('finds people exactly as a brute-force cosine does, best face per person', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const faces: NewFace[] = [];
      for (let i = 0; i < 300; i++) faces.push(newFace(`person-${i % 60}`, unit()));
      for (let i = 0; i < faces.length; i += 50) await store.addFaces(OWNER, 'staff', faces.slice(i, i + 50));
      for (let q = 0; q < 10; q++) {
        const probe = unit();
        for (const maxResults of [1, 7, 100]) {
          const got = await store.search(OWNER, 'staff', probe, maxResults);
          const want = bruteForce(faces, probe, maxResults);
          expect(got.map((n) => n.face.externalId)).toEqual(want.map((w) => w.externalId));
          expect(got.map((n) => n.face.faceId)).toEqual(want.map((w) => w.faceId));
          for (const [i, n] of got.entries()) {
            expect(n.similarity).toBeCloseTo((want[i] as { similarity: number }).similarity, 5);
          }
        }
      }
      // A probe equal to an enrolled face finds it first, at similarity 1.
      const enrolled = faces[123] as NewFace;
      const [top] = await store.search(OWNER, 'staff', enrolled.embedding, 3);
      expect(top?.face).toEqual(record(enrolled));
      expect(top?.similarity).toBeCloseTo(1, 5);
    });

    it("scores a probe of any length by its cosine (search's reweighted probe is not unit length)", async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const faces = Array.from({ length: 40 }, (_, i) => newFace(`person-${i % 10}`, unit()));
      await store.addFaces(OWNER, 'staff', faces);
      // Parts scaled unevenly, as searchProbe scales a fused probe's parts.
      const probe = unit().map((x, i) => x * (i < DIMENSION / 2 ? 0.8 : 4));
      const got = await store.search(OWNER, 'staff', probe, 5);
      const want = bruteForce(faces, probe, 5);
      expect(got.map((n) => n.face.faceId)).toEqual(want.map((w) => w.faceId));
      for (const [i, n] of got.entries()) {
        expect(n.similarity).toBeCloseTo((want[i] as { similarity: number }).similarity, 5);
      }
    });

    it('answers one entry per person, and no more people than there are', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      expect(await store.search(OWNER, 'staff', unit(), 5)).toEqual([]);
      const base = unit();
      const near = (scale: number) => Float32Array.from(base, (x, i) => x + scale * ((i % 3) - 1) * 0.01);
      await store.addFaces(OWNER, 'staff', [
        newFace('ada', near(1)),
        newFace('ada', near(2)),
        newFace('ada', near(3)),
        newFace('bob', unit()),
      ]);
      const found = await store.search(OWNER, 'staff', base, 10);
      expect(found.map((n) => n.face.externalId).sort()).toEqual(['ada', 'bob']);
      expect(found[0]?.face.externalId).toBe('ada');
      expect(found[0]?.similarity).toBeGreaterThan(found[1]?.similarity as number);
    });

    it('deletes one face: its vector is no longer searched and the counts follow', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const [ada1, ada2, bob] = [newFace('ada', unit()), newFace('ada', unit()), newFace('bob', unit())];
      await store.addFaces(OWNER, 'staff', [ada1, ada2, bob] as NewFace[]);
      await store.search(OWNER, 'staff', unit(), 5);
      expect(await store.deleteFace(OWNER, 'staff', (ada1 as NewFace).faceId)).toBe(true);
      expect(await store.deleteFace(OWNER, 'staff', (ada1 as NewFace).faceId)).toBe(false);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 2, subjectCount: 2 });
      const [top] = await store.search(OWNER, 'staff', (ada1 as NewFace).embedding, 1);
      expect(top?.face.faceId).not.toBe((ada1 as NewFace).faceId);
      expect(await store.deleteFace(OWNER, 'staff', (bob as NewFace).faceId)).toBe(true);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 1, subjectCount: 1 });
      expect((await store.listFaces(OWNER, 'staff', { limit: 10 })).items).toEqual([record(ada2 as NewFace)]);
    });

    it('erases a person: every face and vector gone, search no longer finds them', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const ada = [newFace('ada', unit()), newFace('ada', unit()), newFace('ada', unit())];
      const others = [newFace('bob', unit()), newFace('cyd', unit())];
      await store.addFaces(OWNER, 'staff', [...ada, ...others]);
      expect((await store.search(OWNER, 'staff', (ada[0] as NewFace).embedding, 1))[0]?.face.externalId).toBe(
        'ada',
      );
      expect(await store.deleteSubject(OWNER, 'staff', 'ada')).toBe(3);
      expect(await store.deleteSubject(OWNER, 'staff', 'ada')).toBe(0);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 2, subjectCount: 2 });
      for (const face of ada) {
        const found = await store.search(OWNER, 'staff', face.embedding, 10);
        expect(found.map((n) => n.face.externalId).sort()).toEqual(['bob', 'cyd']);
      }
      expect((await store.listFaces(OWNER, 'staff', { limit: 10, externalId: 'ada' })).items).toEqual([]);
    });

    it('deletes a collection with its faces: a new one of the same id starts empty', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const face = newFace('ada', unit());
      await store.addFaces(OWNER, 'staff', [face]);
      await store.search(OWNER, 'staff', face.embedding, 1);
      expect(await store.deleteCollection(OWNER, 'staff')).toBe(true);
      expect(await store.deleteCollection(OWNER, 'staff')).toBe(false);
      expect(await store.getCollection(OWNER, 'staff')).toBeUndefined();
      await rejectsWith(store.search(OWNER, 'staff', face.embedding, 1), 'CollectionNotFound');
      const again = await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      expect(again.created).toBe(true);
      expect(again.collection).toMatchObject({ faceCount: 0, subjectCount: 0 });
      expect((await store.listFaces(OWNER, 'staff', { limit: 10 })).items).toEqual([]);
      expect(await store.search(OWNER, 'staff', face.embedding, 1)).toEqual([]);
    });

    it('keeps owners apart: another owner sees nothing of a collection and can hold the same id', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const face = newFace('ada', unit());
      await store.addFaces(OWNER, 'staff', [face]);

      expect(await store.getCollection(OTHER, 'staff')).toBeUndefined();
      expect((await store.listCollections(OTHER, { limit: 10 })).items).toEqual([]);
      await rejectsWith(store.listFaces(OTHER, 'staff', { limit: 10 }), 'CollectionNotFound');
      await rejectsWith(store.search(OTHER, 'staff', face.embedding, 1), 'CollectionNotFound');
      await rejectsWith(store.addFaces(OTHER, 'staff', [newFace('eve', unit())]), 'CollectionNotFound');
      expect(await store.deleteFace(OTHER, 'staff', face.faceId)).toBe(false);
      expect(await store.deleteSubject(OTHER, 'staff', 'ada')).toBe(0);
      expect(await store.deleteCollection(OTHER, 'staff')).toBe(false);

      const theirs = await store.createCollection(OTHER, 'staff', MODEL, DIMENSION);
      expect(theirs.created).toBe(true);
      expect(await store.search(OTHER, 'staff', face.embedding, 1)).toEqual([]);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 1, subjectCount: 1 });
      expect((await store.search(OWNER, 'staff', face.embedding, 1))[0]?.face.faceId).toBe(face.faceId);
    });

    it('adds a face again by its faceId as a no-op: a retried enrolment stores and counts it once', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const first = [newFace('ada', unit()), newFace('ada', unit()), newFace('bob', unit())];
      await store.addFaces(OWNER, 'staff', first);
      // The retry: the same faces (a later clock), and one face the first run had not reached.
      const retried = first.map((face) => ({ ...face, createdAt: new Date(clock + 60_000).toISOString() }));
      const late = newFace('cyd', unit());
      await store.addFaces(OWNER, 'staff', [...retried, late]);
      await store.addFaces(OWNER, 'staff', retried);
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 4, subjectCount: 3 });
      const listed = (await store.listFaces(OWNER, 'staff', { limit: 100 })).items;
      expect(listed).toEqual([...first, late].map(record));
      for (const face of [...first, late]) {
        const [best] = await store.search(OWNER, 'staff', face.embedding, 1);
        expect(best?.face.faceId).toBe(face.faceId);
        expect(best?.similarity).toBeCloseTo(1, 5);
      }
    });

    it('stores a face once when the same enrolment runs 4 times at once', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const batch = [newFace('ada', unit()), newFace('bob', unit())];
      await Promise.all(Array.from({ length: 4 }, () => store.addFaces(OWNER, 'staff', batch)));
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 2, subjectCount: 2 });
      expect((await store.listFaces(OWNER, 'staff', { limit: 100 })).items).toHaveLength(2);
      expect((await store.search(OWNER, 'staff', (batch[1] as NewFace).embedding, 1))[0]?.face.faceId).toBe(
        (batch[1] as NewFace).faceId,
      );
    });

    it('refuses a stored faceId under another person, keeping the stored face and the batch out', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const ada = newFace('ada', unit());
      await store.addFaces(OWNER, 'staff', [ada]);
      const other = newFace('bob', unit());
      await expect(store.addFaces(OWNER, 'staff', [other, { ...ada, externalId: 'eve' }])).rejects.toThrow(
        /another person/,
      );
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 1, subjectCount: 1 });
      expect((await store.listFaces(OWNER, 'staff', { limit: 10 })).items).toEqual([record(ada)]);
      expect((await store.search(OWNER, 'staff', ada.embedding, 5)).map((n) => n.face.faceId)).toEqual([
        ada.faceId,
      ]);
    });

    it('stores all of 16 concurrent enrolments into one collection, with the counts right', async () => {
      await store.createCollection(OWNER, 'staff', MODEL, DIMENSION);
      const batches = Array.from({ length: 16 }, (_, i) => [newFace(`person-${i % 8}`, unit())]);
      await Promise.all(batches.map((batch) => store.addFaces(OWNER, 'staff', batch)));
      expect(await store.getCollection(OWNER, 'staff')).toMatchObject({ faceCount: 16, subjectCount: 8 });
      const listed = (await store.listFaces(OWNER, 'staff', { limit: 100 })).items
        .map((f) => f.faceId)
        .sort();
      expect(listed).toEqual(batches.map((b) => (b[0] as NewFace).faceId).sort());
    });
  });
}
