import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import { collectionsConfig } from '../../functions/shared/runtime-config.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';
import { describeCollectionStore, newFace, randomUnit } from './store-contract.ts';

const MODEL = { name: 'm', version: '1' };

describeCollectionStore('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceverify-store-'));
  return {
    store: new SqliteCollectionStore(join(dir, 'collections.db')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteCollectionStore', () => {
  let dir: string;
  let path: string;
  const random = seededRandom(7);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faceverify-store-'));
    path = join(dir, 'data', 'collections.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the database under FACEVERIFY_DATA_DIR, else ./.faceverify/, unless a deployment names its AWS store', () => {
    const sqlite = (database: string) => ({ store: 'sqlite', database });
    expect(collectionsConfig({ FACEVERIFY_DATA_DIR: '/srv/fv' })).toEqual(sqlite('/srv/fv/collections.db'));
    expect(collectionsConfig({})).toEqual(sqlite(resolve('.faceverify', 'collections.db')));
    expect(collectionsConfig({ COLLECTIONS_TABLE: 't', VECTOR_BUCKET: 'v' })).toEqual({
      store: 'aws',
      table: 't',
      vectorBucket: 'v',
    });
    expect(() => collectionsConfig({ COLLECTIONS_TABLE: 't' })).toThrow(/set together/);
  });

  it('creates its folder and a WAL database at schema 1, and reopens it with the data kept', async () => {
    const store = new SqliteCollectionStore(path);
    await store.createCollection('o', 'c', MODEL, 4);
    await store.addFaces('o', 'c', [newFace('ada', randomUnit(random, 4))]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
    const reopened = new SqliteCollectionStore(path);
    expect(await reopened.getCollection('o', 'c')).toMatchObject({ faceCount: 1, subjectCount: 1 });
    await reopened.close();
  });

  it('refuses a database from a newer schema rather than misreading it', async () => {
    await new SqliteCollectionStore(path).close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteCollectionStore(path)).toThrow(/schema 99/);
  });

  it("searches what another connection (another process's) wrote and erased since its last search", async () => {
    const reader = new SqliteCollectionStore(path);
    const writer = new SqliteCollectionStore(path);
    await writer.createCollection('o', 'c', MODEL, 16);
    const ada = newFace('ada', randomUnit(random, 16));
    const bob = newFace('bob', randomUnit(random, 16));
    await writer.addFaces('o', 'c', [ada]);
    expect((await reader.search('o', 'c', bob.embedding, 5)).map((n) => n.face.externalId)).toEqual(['ada']);
    await writer.addFaces('o', 'c', [bob]);
    expect((await reader.search('o', 'c', bob.embedding, 5)).map((n) => n.face.externalId)).toEqual([
      'bob',
      'ada',
    ]);
    await writer.deleteSubject('o', 'c', 'bob');
    expect((await reader.search('o', 'c', bob.embedding, 5)).map((n) => n.face.externalId)).toEqual(['ada']);
    await writer.deleteCollection('o', 'c');
    await writer.createCollection('o', 'c', MODEL, 16);
    expect(await reader.search('o', 'c', bob.embedding, 5)).toEqual([]);
    await Promise.all([reader.close(), writer.close()]);
  });

  it('leaves no copy of an erased embedding in the database file or its WAL', async () => {
    const store = new SqliteCollectionStore(path);
    await store.createCollection('o', 'c', MODEL, 128);
    const erased = newFace('ada', randomUnit(random, 128));
    const kept = newFace('bob', randomUnit(random, 128));
    await store.addFaces('o', 'c', [erased, kept]);
    const bytes = (face: typeof erased) => Buffer.from(face.embedding.buffer, face.embedding.byteOffset, 512);
    const onDisk = () =>
      Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
    expect(onDisk().includes(bytes(erased))).toBe(true);
    expect(await store.deleteSubject('o', 'c', 'ada')).toBe(1);
    expect(onDisk().includes(bytes(erased))).toBe(false);
    expect(onDisk().includes(bytes(kept))).toBe(true);
    await store.close();
  });
});
