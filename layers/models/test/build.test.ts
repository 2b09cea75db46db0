/**
 * The model build: deterministic (two builds, same bytes), and a manifest that says for every model
 * what it is, where it came from and how to feed it, with a sha256 that matches its file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Manifest, ManifestEntry } from '../../../functions/core/manifest.ts';
import { buildModels, DEFAULT_BUILD_DIR } from '../src/build.ts';
import { CATALOG, packageFile, packageVersion } from '../src/catalog.ts';

/**
 * Fast to build, and one of each converter: a TF.js graph model, a face-api weight set and a
 * TensorFlow Lite model (one that takes any height and width).
 */
const SUBSET = ['blazeface-back', 'face-landmark-68', 'mtcnn'];
/** A height and width for the models that take any: big enough for every fully convolutional one. */
const ANY_SIZE = 48;

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Every field the engine and the README rely on, for one manifest entry. */
async function expectComplete(entry: ManifestEntry, dir: string): Promise<void> {
  const where = `${entry.name}`;
  expect(entry.name, where).toMatch(/^[a-z0-9-]+$/);
  expect(['detector', 'embedder', 'landmarks', 'stage'], where).toContain(entry.role);

  expect(entry.source.package, where).toMatch(/\S/);
  expect(entry.source.version, where).toBe(packageVersion(entry.source.package));
  expect(entry.source.version, where).toMatch(/^\d+\.\d+\.\d+/);
  expect(existsSync(packageFile(entry.source.package, entry.source.file)), `${where}: source file`).toBe(
    true,
  );
  expect(entry.source.licence, where).toMatch(/\S/);

  expect(entry.file, where).toBe(`${entry.name}.onnx`);
  const bytes = await readFile(join(dir, entry.file));
  expect(entry.bytes, where).toBe(bytes.length);
  expect(entry.sha256, where).toBe(createHash('sha256').update(bytes).digest('hex'));

  const { input } = entry;
  expect(input.name, where).toBe('input');
  expect(input.layout, where).toBe('NHWC');
  expect(['RGB', 'BGR'], where).toContain(input.colour);
  expect(input.shape, where).toHaveLength(4);
  const [batch, height = 0, width = 0, channels] = input.shape;
  expect([-1, 1], where).toContain(batch);
  const size = (d: number) => Number.isInteger(d) && d > 0;
  // Fixed, or both dynamic (-1) for a fully convolutional network.
  expect((size(height) && size(width)) || (height === -1 && width === -1), where).toBe(true);
  expect(channels, where).toBe(3);
  expect(Number.isFinite(input.normalisation.scale) && input.normalisation.scale > 0, where).toBe(true);
  const { offset } = input.normalisation;
  const offsets = typeof offset === 'number' ? [offset] : offset;
  expect([1, 3], where).toContain(offsets.length);
  expect(offsets.every(Number.isFinite), where).toBe(true);

  expect(entry.outputs.length, where).toBeGreaterThan(0);
  for (const output of entry.outputs) {
    expect(output.name, where).toMatch(/^\w+$/);
    expect(output.meaning, `${where}.${output.name}`).toMatch(/\S{3}/);
  }
  expect(new Set(entry.outputs.map((o) => o.name)).size, `${where}: unique outputs`).toBe(
    entry.outputs.length,
  );
}

describe('building twice', () => {
  const dirs: string[] = [];
  const manifests: Manifest[] = [];

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), `models-build-${i}-`));
      dirs.push(dir);
      manifests.push(await buildModels(dir, SUBSET));
    }
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('gives the same bytes: every file and the manifest', async () => {
    const [a = '', b = ''] = dirs;
    const files = (await readdir(a)).sort();
    expect(files).toEqual([...SUBSET.map((n) => `${n}.onnx`), 'manifest.json'].sort());
    expect((await readdir(b)).sort()).toEqual(files);
    for (const file of files) expect(await sha256(join(b, file)), file).toBe(await sha256(join(a, file)));
  });

  it('writes the manifest it returns, in catalog order', async () => {
    const [dir = ''] = dirs;
    const written = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(written).toEqual(manifests[0]);
    expect(written.models.map((m) => m.name)).toEqual(
      CATALOG.map((e) => e.name).filter((n) => SUBSET.includes(n)),
    );
  });

  it('describes every model completely', async () => {
    for (const entry of manifests[0]?.models ?? []) await expectComplete(entry, dirs[0] ?? '');
  });

  it('declares what the ONNX file really takes and gives', async () => {
    for (const entry of manifests[0]?.models ?? []) {
      const session = await ort.InferenceSession.create(join(dirs[0] ?? '', entry.file), {
        graphOptimizationLevel: 'disabled',
      });
      const [input] = session.inputMetadata;
      expect(session.inputNames, entry.name).toEqual([entry.input.name]);
      // A symbolic dimension (its name, e.g. `height`) is the manifest's -1.
      const dims = input?.isTensor ? input.shape.map((d) => (typeof d === 'number' ? d : -1)) : [];
      expect(dims.slice(1), entry.name).toEqual(entry.input.shape.slice(1));
      expect([...session.outputNames], entry.name).toEqual(entry.outputs.map((o) => o.name));
      await session.release();
    }
  });

  it('gives the same bytes as the build made at install', async () => {
    const installed = JSON.parse(
      await readFile(join(DEFAULT_BUILD_DIR, 'manifest.json'), 'utf8'),
    ) as Manifest;
    for (const entry of manifests[0]?.models ?? []) {
      const shipped = installed.models.find((m) => m.name === entry.name);
      expect(shipped?.sha256, `${entry.name}: rebuild with \`npm run build:models\``).toBe(entry.sha256);
    }
  });
});

describe('the build made at install (layers/models/build)', () => {
  let manifest: Manifest;

  beforeAll(async () => {
    manifest = JSON.parse(await readFile(join(DEFAULT_BUILD_DIR, 'manifest.json'), 'utf8')) as Manifest;
  });

  it('holds every catalogued model, at least two detectors and three embedders', () => {
    expect(manifest.models.map((m) => m.name)).toEqual(CATALOG.map((e) => e.name));
    const roles = manifest.models.map((m) => m.role);
    expect(roles.filter((r) => r === 'detector').length).toBeGreaterThanOrEqual(2);
    expect(roles.filter((r) => r === 'embedder').length).toBeGreaterThanOrEqual(3);
  });

  it('describes every model completely, each sha256 matching its file', async () => {
    for (const entry of manifest.models) await expectComplete(entry, DEFAULT_BUILD_DIR);
  });

  it('runs a batch of two wherever the manifest promises a dynamic batch', async () => {
    for (const entry of manifest.models.filter((m) => m.input.shape[0] === -1)) {
      const session = await ort.InferenceSession.create(join(DEFAULT_BUILD_DIR, entry.file));
      const [, h = 0, w = 0, c = 0] = entry.input.shape.map((d) => (d > 0 ? d : ANY_SIZE));
      const feed = { input: new ort.Tensor('float32', new Float32Array(2 * h * w * c), [2, h, w, c]) };
      const run = session.run(feed).then((out) => Object.values(out).map((t) => t.dims[0]));
      expect(await run, entry.name).toEqual(entry.outputs.map(() => 2));
      await session.release();
    }
  });

  it('has no stray ONNX files', async () => {
    const onnx = (await readdir(DEFAULT_BUILD_DIR)).filter((f) => f.endsWith('.onnx')).sort();
    expect(onnx).toEqual(manifest.models.map((m) => m.file).sort());
  });
});
