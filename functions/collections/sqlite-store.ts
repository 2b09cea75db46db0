/**
 * The embedded CollectionStore of `npm start` and the CLI: one SQLite file (better-sqlite3), which both
 * may open at once. WAL with synchronous=FULL: a commit is fsynced before addFaces resolves, so an
 * acknowledged face survives kill -9 and power loss; the fsync is small beside an enrolment's model
 * time (docs/collections.md). Writes take the write lock up front (BEGIN IMMEDIATE) and wait for
 * another process's writes (busy_timeout), so counts stay right under concurrent enrolments.
 * Search is an exact scan of each collection's embeddings in memory (FaceMatrix), caught up from the
 * file before each search through the collection's `version`, which every write bumps.
 * Erasure: a face's embedding lives in its row; deleted rows are overwritten (secure_delete) and the
 * WAL is truncated after deletes, so erased vectors do not linger in the file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FaceVerifyError } from '../core/errors.ts';
import type { Pose } from '../core/types.ts';
import type { CollectionsConfig } from '../shared/runtime-config.ts';
import { FaceMatrix } from './face-matrix.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';
import {
  type CollectionRecord,
  type CollectionStore,
  checkSameFace,
  type EmbedderRef,
  type FaceRecord,
  type NewFace,
  type Page,
  type PageRequest,
} from './store.ts';

/** The store of a `sqlite` configuration (the local server's and the CLI's). */
export function openSqliteCollectionStore(config: CollectionsConfig): SqliteCollectionStore {
  if (config.store !== 'sqlite')
    throw new Error(`this process keeps collections in SQLite, not in ${config.store}`);
  return new SqliteCollectionStore(config.database);
}

/** How long a write waits for another process's write to finish before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/** Schema steps: the database's user_version is how many of them it has had. Append, never edit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE collections (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     owner TEXT NOT NULL,
     collection_id TEXT NOT NULL,
     model_name TEXT NOT NULL,
     model_version TEXT NOT NULL,
     dimension INTEGER NOT NULL CHECK (dimension > 0),
     face_count INTEGER NOT NULL DEFAULT 0 CHECK (face_count >= 0),
     subject_count INTEGER NOT NULL DEFAULT 0 CHECK (subject_count >= 0),
     created_at TEXT NOT NULL,
     version INTEGER NOT NULL DEFAULT 0,
     UNIQUE (owner, collection_id)
   );
   CREATE TABLE faces (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     collection INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
     face_id TEXT NOT NULL,
     external_id TEXT NOT NULL,
     box_x REAL NOT NULL,
     box_y REAL NOT NULL,
     box_width REAL NOT NULL,
     box_height REAL NOT NULL,
     pose TEXT NOT NULL CHECK (pose IN ('frontal', 'profile')),
     created_at TEXT NOT NULL,
     embedding BLOB NOT NULL,
     UNIQUE (collection, face_id)
   );
   CREATE INDEX faces_by_time ON faces (collection, created_at, face_id);
   CREATE INDEX faces_by_subject ON faces (collection, external_id, created_at, face_id);`,
];

interface CollectionRow {
  id: number;
  collection_id: string;
  model_name: string;
  model_version: string;
  dimension: number;
  face_count: number;
  subject_count: number;
  created_at: string;
  version: number;
}

interface FaceRow {
  face_id: string;
  external_id: string;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  pose: Pose;
  created_at: string;
}

/** A face's columns in FACE_COLUMNS order, as read for the search matrix (arrays are cheaper than objects). */
type RawFace = [string, string, number, number, number, number, Pose, string];

/** One collection's embeddings in memory, as of the collection row's `version`. */
interface Cached {
  id: number;
  version: number;
  lastSeq: number;
  matrix: FaceMatrix<RawFace>;
}

const FACE_COLUMNS = 'face_id, external_id, box_x, box_y, box_width, box_height, pose, created_at';

export class SqliteCollectionStore implements CollectionStore {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly cache = new Map<string, Cached>();

  /** Opens (creating it and its folder if needed) the database at `path`. */
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('secure_delete = ON');
    migrate(this.db);
    this.statements = prepare(this.db);
  }

  async createCollection(owner: string, collectionId: string, model: EmbedderRef, dimension: number) {
    const s = this.statements;
    return this.db
      .transaction(() => {
        const created =
          s.insertCollection.run(
            owner,
            collectionId,
            model.name,
            model.version,
            dimension,
            new Date().toISOString(),
          ).changes === 1;
        return { collection: toCollection(s.collection.get(owner, collectionId) as CollectionRow), created };
      })
      .immediate();
  }

  async getCollection(owner: string, collectionId: string): Promise<CollectionRecord | undefined> {
    const row = this.statements.collection.get(owner, collectionId) as CollectionRow | undefined;
    return row && toCollection(row);
  }

  async listCollections(owner: string, page: PageRequest): Promise<Page<CollectionRecord>> {
    const after = page.nextToken === undefined ? '' : (decodePageToken(page.nextToken, 1)[0] as string);
    const rows = this.statements.collectionsAfter.all(owner, after, page.limit + 1) as CollectionRow[];
    return paged(rows.map(toCollection), page.limit, (c) => [c.collectionId]);
  }

  async deleteCollection(owner: string, collectionId: string): Promise<boolean> {
    const deleted = this.statements.deleteCollection.run(owner, collectionId).changes === 1;
    this.cache.delete(cacheKey(owner, collectionId));
    if (deleted) this.truncateWal();
    return deleted;
  }

  async addFaces(owner: string, collectionId: string, faces: readonly NewFace[]): Promise<void> {
    const s = this.statements;
    this.db
      .transaction(() => {
        const collection = this.existing(owner, collectionId);
        let newSubjects = 0;
        let added = 0;
        for (const face of faces) {
          if (face.embedding.length !== collection.dimension) {
            throw new RangeError(
              `embedding of length ${face.embedding.length}, expected ${collection.dimension}`,
            );
          }
          const stored = s.faceOwner.get(collection.id, face.faceId) as { external_id: string } | undefined;
          if (stored) {
            checkSameFace(face, stored.external_id);
            continue;
          }
          added++;
          if (s.subjectExists.get(collection.id, face.externalId) === undefined) newSubjects++;
          const { x, y, width, height } = face.box;
          s.insertFace.run(
            collection.id,
            face.faceId,
            face.externalId,
            x,
            y,
            width,
            height,
            face.pose,
            face.createdAt,
            Buffer.from(face.embedding.buffer, face.embedding.byteOffset, face.embedding.byteLength),
          );
        }
        if (added) s.changeCounts.run(added, newSubjects, collection.id);
      })
      .immediate();
  }

  async listFaces(
    owner: string,
    collectionId: string,
    page: PageRequest & { externalId?: string },
  ): Promise<Page<FaceRecord>> {
    const s = this.statements;
    const collection = this.existing(owner, collectionId);
    const [createdAt, faceId] = page.nextToken === undefined ? ['', ''] : decodePageToken(page.nextToken, 2);
    const rows = (
      page.externalId === undefined
        ? s.facesAfter.all(collection.id, createdAt, faceId, page.limit + 1)
        : s.subjectFacesAfter.all(collection.id, page.externalId, createdAt, faceId, page.limit + 1)
    ) as FaceRow[];
    return paged(rows.map(toFace), page.limit, (f) => [f.createdAt, f.faceId]);
  }

  async deleteFace(owner: string, collectionId: string, faceId: string): Promise<boolean> {
    const s = this.statements;
    const deleted = this.db
      .transaction(() => {
        const collection = s.collection.get(owner, collectionId) as CollectionRow | undefined;
        const face =
          collection && (s.deleteFace.get(collection.id, faceId) as { external_id: string } | undefined);
        if (!collection || !face) return false;
        const subjectGone = s.subjectExists.get(collection.id, face.external_id) === undefined;
        s.changeCounts.run(-1, subjectGone ? -1 : 0, collection.id);
        return true;
      })
      .immediate();
    if (deleted) this.truncateWal();
    return deleted;
  }

  async deleteSubject(owner: string, collectionId: string, externalId: string): Promise<number> {
    const s = this.statements;
    const deleted = this.db
      .transaction(() => {
        const collection = s.collection.get(owner, collectionId) as CollectionRow | undefined;
        if (!collection) return 0;
        const count = s.deleteSubject.run(collection.id, externalId).changes;
        if (count > 0) s.changeCounts.run(-count, -1, collection.id);
        return count;
      })
      .immediate();
    if (deleted > 0) this.truncateWal();
    return deleted;
  }

  async search(owner: string, collectionId: string, probe: Float32Array, maxResults: number) {
    return this.matrix(owner, collectionId)
      .nearestPeople(probe, maxResults)
      .map(({ face, similarity }) => ({ face: fromRaw(face), similarity }));
  }

  async close(): Promise<void> {
    this.cache.clear();
    if (this.db.open) this.db.close();
  }

  private existing(owner: string, collectionId: string): CollectionRow {
    const row = this.statements.collection.get(owner, collectionId) as CollectionRow | undefined;
    if (!row) {
      this.cache.delete(cacheKey(owner, collectionId));
      // No details: they would become fields of the API's error body, which has none for this.
      throw new FaceVerifyError('CollectionNotFound', `There is no collection ${collectionId}.`);
    }
    return row;
  }

  /**
   * The collection's embeddings in memory, caught up with the file in one read transaction: rows added
   * since (by this process or another) are appended; after a delete the matrix is read again in full.
   */
  private matrix(owner: string, collectionId: string): FaceMatrix<RawFace> {
    return this.db.transaction(() => {
      const collection = this.existing(owner, collectionId);
      const key = cacheKey(owner, collectionId);
      const known = this.cache.get(key);
      if (known?.id === collection.id && known.version === collection.version) return known.matrix;
      const fresh = (): Cached => ({
        id: collection.id,
        version: 0,
        lastSeq: 0,
        matrix: new FaceMatrix(collection.dimension),
      });
      let cached = known?.id === collection.id ? known : fresh();
      this.appendSince(cached);
      if (cached.matrix.size !== collection.face_count) {
        cached = fresh();
        this.appendSince(cached);
      }
      cached.version = collection.version;
      this.cache.set(key, cached);
      return cached.matrix;
    })();
  }

  private appendSince(cached: Cached): void {
    const rows = this.statements.facesSince.iterate(cached.id, cached.lastSeq) as Iterable<
      [...RawFace, Buffer, number]
    >;
    for (const row of rows) {
      // The embedding is copied into the matrix: keep only the record's columns.
      const face = row.slice(0, 8) as RawFace;
      cached.matrix.append(face[1], face, float32(row[8]));
      cached.lastSeq = row[9];
    }
  }

  /** Empties the WAL, so the frames that held erased embeddings go too (best effort: a reader may hold it). */
  private truncateWal(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    if (at > MIGRATIONS.length) {
      throw new Error(
        `collections database schema ${at} is newer than this faceverify knows (${MIGRATIONS.length})`,
      );
    }
    for (const step of MIGRATIONS.slice(at)) db.exec(step);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function prepare(db: Database.Database) {
  return {
    insertCollection: db.prepare(
      `INSERT INTO collections (owner, collection_id, model_name, model_version, dimension, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner, collection_id) DO NOTHING`,
    ),
    collection: db.prepare('SELECT * FROM collections WHERE owner = ? AND collection_id = ?'),
    collectionsAfter: db.prepare(
      'SELECT * FROM collections WHERE owner = ? AND collection_id > ? ORDER BY collection_id LIMIT ?',
    ),
    deleteCollection: db.prepare('DELETE FROM collections WHERE owner = ? AND collection_id = ?'),
    subjectExists: db.prepare('SELECT 1 FROM faces WHERE collection = ? AND external_id = ? LIMIT 1'),
    faceOwner: db.prepare('SELECT external_id FROM faces WHERE collection = ? AND face_id = ?'),
    insertFace: db.prepare(
      `INSERT INTO faces (collection, face_id, external_id, box_x, box_y, box_width, box_height, pose,
         created_at, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    changeCounts: db.prepare(
      `UPDATE collections SET face_count = face_count + ?, subject_count = subject_count + ?,
         version = version + 1 WHERE id = ?`,
    ),
    facesAfter: db.prepare(
      `SELECT ${FACE_COLUMNS} FROM faces WHERE collection = ? AND (created_at, face_id) > (?, ?)
       ORDER BY created_at, face_id LIMIT ?`,
    ),
    subjectFacesAfter: db.prepare(
      `SELECT ${FACE_COLUMNS} FROM faces WHERE collection = ? AND external_id = ? AND (created_at, face_id) > (?, ?)
       ORDER BY created_at, face_id LIMIT ?`,
    ),
    facesSince: db
      .prepare(
        `SELECT ${FACE_COLUMNS}, embedding, seq FROM faces WHERE collection = ? AND seq > ? ORDER BY seq`,
      )
      .raw(true),
    deleteFace: db.prepare('DELETE FROM faces WHERE collection = ? AND face_id = ? RETURNING external_id'),
    deleteSubject: db.prepare('DELETE FROM faces WHERE collection = ? AND external_id = ?'),
  };
}

function cacheKey(owner: string, collectionId: string): string {
  return JSON.stringify([owner, collectionId]);
}

function toCollection(row: CollectionRow): CollectionRecord {
  return {
    collectionId: row.collection_id,
    model: { name: row.model_name, version: row.model_version },
    dimension: row.dimension,
    faceCount: row.face_count,
    subjectCount: row.subject_count,
    createdAt: row.created_at,
  };
}

function toFace(row: FaceRow): FaceRecord {
  return {
    faceId: row.face_id,
    externalId: row.external_id,
    box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
    pose: row.pose,
    createdAt: row.created_at,
  };
}

function fromRaw([faceId, externalId, x, y, width, height, pose, createdAt]: RawFace): FaceRecord {
  return { faceId, externalId, box: { x, y, width, height }, pose, createdAt };
}

/** The stored bytes as floats (native byte order, as written), copied only when misaligned. */
function float32(bytes: Buffer): Float32Array {
  if (bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/** The first `limit` of `rows` (fetched one over), with a token for the rest when there is more. */
function paged<T>(rows: T[], limit: number, key: (item: T) => string[]): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextToken: encodePageToken(key(items[items.length - 1] as T)) };
}
