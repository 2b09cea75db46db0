/**
 * The per-image cache of batch verify: its bounds and sharing over a fake prepare step, then the real
 * engine: the CLI's cached `verify --pairs` prints exactly what uncached FaceEngine.verify gives.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairJson } from '../../functions/cli/format.ts';
import { FaceEngine, type PreparedImage } from '../../functions/core/engine.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { PreparedImageCache } from '../../functions/shared/prepared-images.ts';
import { cropJpeg, demoPhoto } from '../http/photos.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('PreparedImageCache', () => {
  const prepared = (text: string): PreparedImage => ({
    faces: [],
    embeddings: [Float32Array.of(text.length)],
  });
  function fake() {
    const calls: string[] = [];
    const engine = {
      prepare: async (image: Uint8Array) => {
        const text = Buffer.from(image).toString();
        calls.push(text);
        if (text === 'bad') throw new FaceVerifyError('InvalidImage', 'not an image');
        return prepared(text);
      },
    };
    return { calls, engine };
  }

  it('names the asking role in a failure shared by a source and a target', async () => {
    const cache = new PreparedImageCache(fake().engine);
    const [source, target] = await Promise.allSettled([
      cache.prepare(bytes('bad'), 'source'),
      cache.prepare(bytes('bad'), 'target'),
    ]);
    expect(source.status === 'rejected' && source.reason.details).toBeUndefined();
    expect(target.status === 'rejected' && target.reason.details).toEqual({ image: 'target' });
  });

  it('prepares each content once, shares a computation in flight, and keeps no failure', async () => {
    const { calls, engine } = fake();
    const cache = new PreparedImageCache(engine);
    const [first, second] = await Promise.all([
      cache.prepare(bytes('a'), 'source'),
      cache.prepare(bytes('a'), 'target'),
    ]);
    expect(second).toBe(first);
    await cache.prepare(bytes('a'), 'source');
    expect(calls).toEqual(['a']);
    // Whether every face is wanted is part of the key.
    await cache.prepare(bytes('a'), 'target', true);
    expect(calls).toEqual(['a', 'a']);
    await expect(cache.prepare(bytes('bad'), 'source')).rejects.toThrow('not an image');
    await expect(cache.prepare(bytes('bad'), 'source')).rejects.toThrow('not an image');
    expect(calls).toEqual(['a', 'a', 'bad', 'bad']);
    expect({ hits: cache.hits, misses: cache.misses, size: cache.size }).toEqual({
      hits: 2,
      misses: 4,
      size: 2,
    });
  });

  it('evicts the least recently used entry past its bound', async () => {
    const { calls, engine } = fake();
    const cache = new PreparedImageCache(engine, 2);
    for (const text of ['a', 'b', 'a', 'c']) await cache.prepare(bytes(text), 'source'); // c evicts b
    expect(cache.size).toBe(2);
    await cache.prepare(bytes('a'), 'source');
    await cache.prepare(bytes('b'), 'source');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
    expect(() => new PreparedImageCache(engine, 0)).toThrow(RangeError);
  });
});

describe('cached batch verify on the real engine', () => {
  let dir: string;
  let engine: FaceEngine;
  const files = ['p2.jpg', 'p3.jpg', 'p4.jpg', 'portrait.jpg', 'group.jpg'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faceverify-cache-'));
    const [p2, p3, p4, group] = await Promise.all([
      demoPhoto(2, 400),
      demoPhoto(3, 400),
      demoPhoto(4, 400),
      demoPhoto(1, 640),
    ]);
    engine = await FaceEngine.load();
    const [largest] = (await engine.detect(group)).faces;
    const portrait = await cropJpeg(group, (largest as NonNullable<typeof largest>).box);
    await Promise.all(
      [p2, p3, p4, portrait, group].map((photo, i) => writeFile(join(dir, files[i] as string), photo)),
    );
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints byte for byte what FaceEngine.verify gives pair by pair', async () => {
    // Every image in several pairs, on both sides.
    const pairs: [string, string][] = [];
    for (const a of files) for (const b of files) if (a !== b) pairs.push([a, b]);
    await writeFile(join(dir, 'pairs.tsv'), `${pairs.map((p) => p.join('\t')).join('\n')}\n`);

    const stdout = await new Promise<string>((done, fail) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin', 'faceverify.js'), 'verify', '--pairs', join(dir, 'pairs.tsv'), '--json'],
        { cwd: ROOT },
      );
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      child
        .on('error', fail)
        .on('close', (code) => (code === 0 ? done(out) : fail(new Error(`exit ${code}`))));
    });

    const expected: string[] = [];
    for (const [index, [a, b]] of pairs.entries()) {
      const [bytesA, bytesB] = await Promise.all([readFile(join(dir, a)), readFile(join(dir, b))]);
      const { timings: _, ...result } = await engine.verify(bytesA, bytesB);
      expected.push(JSON.stringify(pairJson({ a, b, line: index + 1 }, result)));
    }
    expect(stdout.trimEnd().split('\n')).toEqual(expected);
    expect(expected.filter((line) => line.includes('"match":true')).length).toBeGreaterThan(0);
  });

  it('prepare + compare equal verify, every target face included', async () => {
    const [portrait, group] = await Promise.all([
      readFile(join(dir, 'portrait.jpg')),
      readFile(join(dir, 'group.jpg')),
    ]);
    const request = { allTargetFaces: true };
    const { timings: _, ...verified } = await engine.verify(portrait, group, request);
    const [source, target] = await Promise.all([
      engine.prepare(portrait, 'source'),
      engine.prepare(group, 'target', true),
    ]);
    const compared = engine.compare(source, target, request);
    expect(JSON.stringify(compared)).toBe(JSON.stringify(verified));
    expect(compared.faceMatches?.length).toBeGreaterThan(0);
  });
});
