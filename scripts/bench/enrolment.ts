/**
 * `npm run bench -- --collections`, real photos: enrolment through the collections service (engine +
 * SQLite store, as `faceverify collection index` runs it) against the same photos' one side of a verify
 * (FaceService.prepare), so the cost enrolment adds over the embedding shows. LFW View 1 DevTest photos.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { batchConcurrency } from '../../functions/cli/run.ts';
import { mapOrdered } from '../../functions/cli/stream.ts';
import { Collections } from '../../functions/collections/collections.ts';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import { startFaceService } from '../../functions/shared/face-service.ts';
import { engineConfig, workerCount } from '../../functions/shared/runtime-config.ts';
import { lfwPairs } from '../eval/datasets.ts';
import { round } from './stats.ts';

export interface EnrolmentBenchResult {
  photos: number;
  /** Engine worker threads (FACEVERIFY_WORKERS; 1 = the engine on the main thread). */
  workers: number;
  concurrency: number;
  /** Photos per second enrolled (decode, subject face, embedding, one SQLite transaction each). */
  imagesPerSecond: number;
  /** The same photos through verify's one side (decode, subject face, embedding), for comparison. */
  prepareImagesPerSecond: number;
  /** Milliseconds of CPU per enrolled photo, all threads. */
  cpuMsPerImage: number;
}

export async function benchEnrolment(dataDir: string, photos: number): Promise<EnrolmentBenchResult> {
  const files = [...new Set(lfwPairs(dataDir, 'DevTest').flatMap((p) => [p.a, p.b]))].slice(0, photos);
  const bytes = files.map((file) => readFileSync(file));
  const workers = workerCount(process.env);
  // As `faceverify collection index` runs: the entry points' engine, as many photos in flight as keep it busy.
  const engine = await startFaceService(engineConfig(process.env), workers);
  const concurrency = batchConcurrency(workers);
  const dir = mkdtempSync(join(tmpdir(), 'faceverify-bench-enrol-'));
  const collections = new Collections(new SqliteCollectionStore(join(dir, 'collections.db')), engine);
  try {
    await collections.create('bench', 'lfw');
    // A warm-up photo each way, so the first runs' one-time costs are not counted.
    await engine.prepare(bytes[0] as Buffer, 'source');
    const timed = async (each: (photo: Buffer, i: number) => Promise<unknown>) => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await mapOrdered(bytes, concurrency, each, () => {});
      const used = process.cpuUsage(cpu);
      return { seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
    };
    const prepared = await timed((photo) => engine.prepare(photo, 'source'));
    const enrolled = await timed((photo, i) =>
      // Every face stored, as before the quality filter: a refused photo would end the run.
      collections.index('bench', 'lfw', photo, {
        externalId: basename(dirname(files[i] as string)),
        qualityFilter: 'none',
      }),
    );
    return {
      photos: files.length,
      workers,
      concurrency,
      imagesPerSecond: round(files.length / enrolled.seconds),
      prepareImagesPerSecond: round(files.length / prepared.seconds),
      cpuMsPerImage: round(enrolled.cpuMs / files.length),
    };
  } finally {
    await collections.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
