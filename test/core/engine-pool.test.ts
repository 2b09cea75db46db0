/**
 * The worker pool against the in-process engine: the same answers bit for bit (FACEVERIFY_WORKERS=1
 * against 2), typed errors arriving typed, and a worker killed mid-request answered 503 Busy and replaced.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceService } from '../../functions/core/engine.ts';
import { EnginePool } from '../../functions/core/engine-pool.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { startFaceService } from '../../functions/shared/face-service.ts';
import { engineConfig, workerCount } from '../../functions/shared/runtime-config.ts';
import { demoPhoto, gradientPng } from '../http/photos.ts';
import { hasLfw, LFW } from '../shared-data.ts';
import { noiseBytes } from './fixtures.ts';

const lfwHere = hasLfw('LFW photos left out of the pool comparison');

let inProcess: FaceService;
let pool: FaceService;
const photos: Uint8Array[] = [];

/** An answer without its timings (wall-clock, so never equal), as JSON: embeddings compared value by value. */
function answer(value: object): string {
  return JSON.stringify(value, (key, v) =>
    key === 'timings' ? undefined : ArrayBuffer.isView(v) ? [...(v as Float32Array)] : v,
  );
}

beforeAll(async () => {
  const env = engineConfig({});
  [inProcess, pool] = await Promise.all([
    startFaceService(env, workerCount({ FACEVERIFY_WORKERS: '1' })),
    startFaceService(env, workerCount({ FACEVERIFY_WORKERS: '2' })),
  ]);
  photos.push(await demoPhoto(1), await demoPhoto(2, 640));
  if (lfwHere) {
    for (const name of ['Abdullah_Gul/Abdullah_Gul_0013.jpg', 'Abdullah_Gul/Abdullah_Gul_0014.jpg']) {
      photos.push(await readFile(new URL(name, LFW)));
    }
  }
});

afterAll(async () => {
  await Promise.all([inProcess?.close(), pool?.close()]);
});

describe('FACEVERIFY_WORKERS', () => {
  it('1 loads the in-process engine, more a pool of that many workers', async () => {
    expect(pool).toBeInstanceOf(EnginePool);
    expect(inProcess).not.toBeInstanceOf(EnginePool);
    // Each worker joins once its models are loaded (a microtask after start resolves).
    await expect.poll(() => (pool as EnginePool).workers.length).toBe(2);
  });

  it('a pool whose workers cannot load the models fails to start, with the reason', async () => {
    await expect(EnginePool.start({ workers: 2, engine: { modelsDir: '/nonexistent' } })).rejects.toThrow(
      /no model manifest in \/nonexistent/,
    );
  });

  it('refuses what is not a whole number from 1 to 64', () => {
    for (const bad of ['0', '1.5', 'two', '65']) {
      expect(() => workerCount({ FACEVERIFY_WORKERS: bad })).toThrow(/FACEVERIFY_WORKERS/);
    }
  });
});

describe('the pool answers as the in-process engine does, bit for bit', () => {
  it('reports the same models, calibration, search scoring and embedder', () => {
    expect(pool.models).toEqual(inProcess.models);
    expect(pool.calibration).toEqual(inProcess.calibration);
    expect(pool.search).toEqual(inProcess.search);
    expect(pool.threshold).toBe(inProcess.threshold);
    expect(pool.embedder).toEqual({ name: inProcess.embedder.name, dimension: inProcess.embedder.dimension });
  });

  it('detect, with crops', async () => {
    for (const photo of photos) {
      const [a, b] = await Promise.all([
        pool.detect(photo, { crops: true }),
        inProcess.detect(photo, { crops: true }),
      ]);
      expect(a.faces.length).toBeGreaterThan(0);
      expect(answer(a)).toBe(answer(b));
    }
  });

  it('verify, of each photo against the next, and against every target face', async () => {
    for (const [i, source] of photos.entries()) {
      const target = photos[(i + 1) % photos.length] as Uint8Array;
      for (const request of [{}, { allTargetFaces: true }]) {
        const [a, b] = await Promise.all([
          pool.verify(source, target, request),
          inProcess.verify(source, target, request),
        ]);
        expect(answer(a)).toBe(answer(b));
      }
    }
  });

  it('embedImage and prepare: the same embeddings', async () => {
    const photo = photos[0] as Uint8Array;
    const [a, b] = await Promise.all([
      pool.embedImage(photo, { faces: 'every' }),
      inProcess.embedImage(photo, { faces: 'every' }),
    ]);
    expect(a.faces[0]?.embedding).toBeInstanceOf(Float32Array);
    expect(answer(a)).toBe(answer(b));
    const [p, q] = await Promise.all([pool.prepare(photo, 'source'), inProcess.prepare(photo, 'source')]);
    expect(answer(p)).toBe(answer(q));
  });

  it('leaves the caller its bytes (they are copied to the worker, not moved)', async () => {
    const photo = photos[1] as Uint8Array;
    const before = photo.byteLength;
    await pool.verify(photo, photo);
    expect(photo.byteLength).toBe(before);
  });

  it('a FaceVerifyError from a worker arrives typed: the same code, message and details', async () => {
    const face = photos[1] as Uint8Array;
    for (const [source, target] of [
      [face, noiseBytes(2000)],
      [await gradientPng(320, 240), face],
    ] as const) {
      const [a, b] = await Promise.all([
        pool.verify(source, target).catch((e: unknown) => e),
        inProcess.verify(source, target).catch((e: unknown) => e),
      ]);
      expect(a).toBeInstanceOf(FaceVerifyError);
      expect((a as FaceVerifyError).toJSON()).toEqual((b as FaceVerifyError).toJSON());
    }
  });
});

describe('a worker that dies', () => {
  it('fails the requests it held with 503 Busy, never a hang, and is replaced', async () => {
    const engine = pool as EnginePool;
    const [victim] = engine.workers;
    const photo = photos[0] as Uint8Array;
    // The first two verifies' four calls fill both workers (two calls each) with a 3000 px PNG of the
    // photo, decoding in sharp (≈70 ms) and not inside an onnxruntime run (where a terminated thread
    // takes the process down) when the victim is killed. The verifies after them wait in the pool.
    const slow = await sharp(photo).resize({ width: 3000 }).png().toBuffer();
    const running = [
      ...Array.from({ length: 2 }, () => engine.verify(slow, slow).catch((e: unknown) => e)),
      ...Array.from({ length: 2 }, () => engine.verify(photo, photo).catch((e: unknown) => e)),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    await victim?.terminate();
    const outcomes = await Promise.all(running);
    // Each of the first two had a photo on the victim: 503 Busy.
    for (const killed of outcomes.slice(0, 2)) {
      expect(killed).toBeInstanceOf(FaceVerifyError);
      expect((killed as FaceVerifyError).code).toBe('Busy');
      expect((killed as FaceVerifyError).status).toBe(503);
    }
    // The others were answered, by the worker that lived or by the replacement.
    const expected = answer(await inProcess.verify(photo, photo));
    for (const outcome of outcomes.slice(2)) expect(answer(outcome as object)).toBe(expected);
    await expect.poll(() => engine.workers.length, { timeout: 30_000 }).toBe(2);
    expect(engine.workers).not.toContain(victim);
    const after = await engine.verify(photo, photos[1] as Uint8Array);
    expect(answer(after)).toBe(answer(await inProcess.verify(photo, photos[1] as Uint8Array)));
  }, 180_000);
});
