/**
 * `npm run bench -- --collections`: the SQLite collection store on synthetic unit vectors (latency does
 * not depend on what the vectors mean): search latency at 10^3, 10^4, 10^5 faces, the first search
 * after opening the file (which reads the collection into memory), insert throughput, bytes on disk per
 * face. Search is timed in wall and CPU milliseconds: on a shared machine the CPU figure is the steadier.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import type { NewFace } from '../../functions/collections/store.ts';
import type { EnrolmentBenchResult } from './enrolment.ts';
import { round, type Summary, summarise } from './stats.ts';

/** The default embedder's length: dlib-resnet (128) and mobilefacenet (192), fused. */
export const DEFAULT_DIMENSION = 320;
const OWNER = 'bench';
const MODEL = { name: 'synthetic', version: '0' };
/** Faces per person, so search groups several faces per person as it would in use. */
const FACES_PER_PERSON = 4;
const FILL_BATCH = 1000;

export interface CollectionsBenchOptions {
  sizes: number[];
  dimension: number;
  searches: number;
  /** Single-face enrolments timed (one transaction, one fsync each, as the service makes them). */
  singleInserts: number;
  progress: (message: string) => void;
}

export interface CollectionSizeResult {
  faces: number;
  /** Faces per second when filled in transactions of FILL_BATCH faces. */
  bulkInsertPerSecond: number;
  /** The first search after opening the file: reads the collection into memory. */
  firstSearchMs: number;
  searchWallMs: Summary;
  searchCpuMs: Summary;
  bytesPerFace: number;
}

export interface CollectionsBenchResult {
  dimension: number;
  /** Single-face transactions per second (synchronous=FULL: one fsync each). */
  singleInsertPerSecond: number;
  sizes: CollectionSizeResult[];
  /** Enrolment of real photos through the collections service; absent without the shared data. */
  enrolment?: EnrolmentBenchResult;
}

function unitVector(dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    v[i] = g;
    norm += g * g;
  }
  for (let i = 0; i < dimension; i++) v[i] = (v[i] as number) / Math.sqrt(norm);
  return v;
}

function syntheticFace(index: number, dimension: number): NewFace {
  return {
    faceId: randomUUID(),
    externalId: `person-${Math.floor(index / FACES_PER_PERSON)}`,
    box: { x: 120.5, y: 80.25, width: 210, height: 260.75 },
    pose: 'frontal',
    createdAt: new Date().toISOString(),
    embedding: unitVector(dimension),
  };
}

/** Bytes of the database and its WAL. */
function sizeOnDisk(path: string): number {
  return [path, `${path}-wal`].reduce(
    (sum, p) => sum + (statSync(p, { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
}

async function benchSingleInserts(dir: string, options: CollectionsBenchOptions): Promise<number> {
  const store = new SqliteCollectionStore(join(dir, 'single.db'));
  await store.createCollection(OWNER, 'single', MODEL, options.dimension);
  const start = performance.now();
  for (let i = 0; i < options.singleInserts; i++) {
    await store.addFaces(OWNER, 'single', [syntheticFace(i, options.dimension)]);
  }
  const elapsed = performance.now() - start;
  await store.close();
  return round((options.singleInserts * 1000) / elapsed);
}

async function benchSize(
  dir: string,
  faces: number,
  options: CollectionsBenchOptions,
): Promise<CollectionSizeResult> {
  const path = join(dir, `size-${faces}.db`);
  let store = new SqliteCollectionStore(path);
  await store.createCollection(OWNER, 'c', MODEL, options.dimension);
  let fillMs = 0;
  for (let i = 0; i < faces; i += FILL_BATCH) {
    const batch = Array.from({ length: Math.min(FILL_BATCH, faces - i) }, (_, k) =>
      syntheticFace(i + k, options.dimension),
    );
    const start = performance.now();
    await store.addFaces(OWNER, 'c', batch);
    fillMs += performance.now() - start;
  }
  await store.close();
  const bytesPerFace = round(sizeOnDisk(path) / faces);

  options.progress(`collections: ${faces} faces, ${options.searches} searches…`);
  store = new SqliteCollectionStore(path);
  let start = performance.now();
  await store.search(OWNER, 'c', unitVector(options.dimension), 5);
  const firstSearchMs = performance.now() - start;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < options.searches; i++) {
    const probe = unitVector(options.dimension);
    const cpuStart = process.cpuUsage();
    start = performance.now();
    await store.search(OWNER, 'c', probe, 5);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  await store.close();
  return {
    faces,
    bulkInsertPerSecond: round((faces * 1000) / fillMs),
    firstSearchMs: round(firstSearchMs),
    searchWallMs: summarise(wall),
    searchCpuMs: summarise(cpu),
    bytesPerFace,
  };
}

export async function benchCollections(options: CollectionsBenchOptions): Promise<CollectionsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'faceverify-bench-collections-'));
  try {
    options.progress(`collections: ${options.singleInserts} single-face enrolments…`);
    const singleInsertPerSecond = await benchSingleInserts(dir, options);
    const sizes: CollectionSizeResult[] = [];
    for (const faces of options.sizes) {
      options.progress(`collections: filling ${faces} faces of dimension ${options.dimension}…`);
      sizes.push(await benchSize(dir, faces, options));
    }
    return { dimension: options.dimension, singleInsertPerSecond, sizes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderCollections(result: CollectionsBenchResult): string {
  const rows = result.sizes.map((s) =>
    [
      s.faces.toLocaleString('en'),
      `${s.searchWallMs.p50} / ${s.searchWallMs.p95}`,
      `${s.searchCpuMs.p50} / ${s.searchCpuMs.p95}`,
      String(s.searchWallMs.n),
      String(s.firstSearchMs),
      s.bulkInsertPerSecond.toLocaleString('en'),
      String(s.bytesPerFace),
    ].join(' | '),
  );
  return [
    `### Collections (SQLite store, exact search, dimension ${result.dimension}, ${FACES_PER_PERSON} faces per person)`,
    '',
    '| faces | search wall ms p50 / p95 | search CPU ms p50 / p95 | searches | first search after open, ms | bulk insert faces/s | bytes on disk per face |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r} |`),
    '',
    `Single-face enrolments (one transaction and one fsync each): ${result.singleInsertPerSecond.toLocaleString('en')} per second.`,
    result.enrolment
      ? `Enrolment of ${result.enrolment.photos} LFW photos through the collections service on ${result.enrolment.workers} engine worker(s), ${result.enrolment.concurrency} at once: ` +
        `${result.enrolment.imagesPerSecond} images/s (${result.enrolment.cpuMsPerImage} ms CPU each); the same photos through ` +
        `verify's one side: ${result.enrolment.prepareImagesPerSecond} images/s.`
      : 'Enrolment of real photos: not measured (no shared face data).',
  ].join('\n');
}
