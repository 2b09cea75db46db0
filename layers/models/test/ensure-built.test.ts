/**
 * The install's model step: which files count as the build's inputs, and when a build folder is taken
 * as current (then nothing is converted) or stale (then everything is).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, inputFiles, inputsHash, STAMP_FILE, staleness } from '../src/ensure-built.ts';

const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

describe('inputFiles', () => {
  it('lists the converter as build.ts imports it, the calibration and the lockfile', async () => {
    const files = (await inputFiles()).map((f) => relative(process.cwd(), f));
    expect(files).toEqual(
      expect.arrayContaining([
        'layers/models/src/build.ts',
        'layers/models/src/catalog.ts',
        'layers/models/src/tflite.ts',
        'layers/models/src/tfjs-graph.ts',
        'layers/models/src/dlib-dat.ts',
        'functions/core/align.ts',
        'layers/models/calibration.json',
        'package-lock.json',
      ]),
    );
    expect(files).not.toContain('layers/models/src/ensure-built.ts');
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
    for (const file of files) expect(existsSync(file), file).toBe(true);
  });
});

describe('a build folder', () => {
  let dir: string;
  const manifest = (sha: string) => `${JSON.stringify({ models: [{ file: 'm.onnx', sha256: sha }] })}\n`;

  /** A folder as a full build leaves it, for `inputs`. */
  async function built(inputs: string): Promise<void> {
    await writeFile(join(dir, 'm.onnx'), 'weights');
    await writeFile(join(dir, 'manifest.json'), manifest(sha256('weights')));
    const stamp = { inputs, manifest: sha256(manifest(sha256('weights'))) };
    await writeFile(join(dir, STAMP_FILE), JSON.stringify(stamp));
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fv-ensure-built-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is current when the inputs, the manifest and every model match the stamp', async () => {
    await built('abc');
    expect(await staleness(dir, 'abc')).toBeNull();
  });

  it('is stale without a stamp (a fresh clone, or an interrupted build)', async () => {
    await built('abc');
    await rm(join(dir, STAMP_FILE));
    expect(await staleness(dir, 'abc')).toMatch(/no build-stamp.json/);
  });

  it('is stale when an input changed', async () => {
    await built('abc');
    expect(await staleness(dir, 'abd')).toMatch(
      /converter, calibration.json, quality.json or package-lock.json changed/,
    );
  });

  it('is stale when the manifest was rewritten since (e.g. by a build of some models only)', async () => {
    await built('abc');
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify({ models: [] })}\n`);
    expect(await staleness(dir, 'abc')).toMatch(/manifest.json changed/);
  });

  it('is stale when a model file is missing or altered', async () => {
    await built('abc');
    await writeFile(join(dir, 'm.onnx'), 'weightz');
    expect(await staleness(dir, 'abc')).toMatch(/m.onnx is missing or differs/);
    await rm(join(dir, 'm.onnx'));
    expect(await staleness(dir, 'abc')).toMatch(/m.onnx is missing or differs/);
  });

  it('is not rebuilt by ensureBuilt when current for the real inputs', async () => {
    await built(await inputsHash(await inputFiles()));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await ensureBuilt(dir)).toBe(false);
      expect(log.mock.calls.join('\n')).toMatch(/is current, not rebuilt/);
    } finally {
      log.mockRestore();
    }
    expect(await readFile(join(dir, 'm.onnx'), 'utf8')).toBe('weights');
  });
});

describe('inputsHash', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fv-inputs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('changes with any input file’s bytes, and when one goes missing', async () => {
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    await writeFile(a, 'one');
    await writeFile(b, 'two');
    const before = await inputsHash([a, b]);
    expect(await inputsHash([a, b])).toBe(before);
    await writeFile(b, 'too');
    const edited = await inputsHash([a, b]);
    expect(edited).not.toBe(before);
    await rm(b);
    expect(await inputsHash([a, b])).not.toBe(edited);
  });
});
