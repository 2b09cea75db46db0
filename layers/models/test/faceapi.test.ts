/**
 * The face-api ONNX graphs against face-api itself: its own net classes on the TF.js wasm backend
 * versus onnxruntime, on the faces of face-api's demo photos. ONNX runs all faces as one batch.
 */
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import * as ort from 'onnxruntime-node';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildFaceApiModel,
  FACEAPI_MODELS,
  type FaceApiModel,
  faceApiGraph,
  loadFaceApiWeights,
} from '../src/faceapi.ts';
import type { Tensor } from '../src/tfjs-weights.ts';
import { swapSpatialAxes } from './sabotage.ts';
import { tf, tfReady } from './tfjs-reference.ts';

const FACE_API = dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'));
const MODEL_DIR = join(FACE_API, 'model');
const SAMPLES = [1, 2, 3, 4, 5, 6].map((i) => join(FACE_API, 'demo', `sample${i}.jpg`));

/** Square RGB pixels, 0–255, row-major HWC. */
interface Image {
  data: Float32Array;
  size: number;
}

interface Agreement {
  maxDiff: number;
  range: number;
  cosine: number;
}

const TOLERANCE = 1e-3;
const MIN_COSINE = 0.9999;

function agreement(actual: Float32Array, expected: Float32Array): Agreement {
  let [maxDiff, min, max, dot, aa, ee] = [0, Infinity, -Infinity, 0, 0, 0];
  expected.forEach((e, i) => {
    const a = actual[i] ?? Number.NaN;
    maxDiff = Math.max(maxDiff, Math.abs(a - e));
    [min, max] = [Math.min(min, e), Math.max(max, e)];
    [dot, aa, ee] = [dot + a * e, aa + a * a, ee + e * e];
  });
  if (actual.length !== expected.length) maxDiff = Number.POSITIVE_INFINITY;
  return { maxDiff, range: max - min, cosine: dot / Math.sqrt(aa * ee) };
}

function equivalent({ maxDiff, range, cosine }: Agreement, checkCosine = false): boolean {
  return maxDiff <= TOLERANCE * range && (!checkCosine || cosine >= MIN_COSINE);
}

async function pixels(image: Sharp, size: number, position: 'left top' | 'centre'): Promise<Image> {
  const raw = await image
    .resize(size, size, { fit: 'contain', position, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data: Float32Array.from(raw), size };
}

function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
}

/** Runs every image as one batch and splits each output back per image. */
async function runOnnx(s: ort.InferenceSession, images: Image[]): Promise<Record<string, Float32Array[]>> {
  const { size } = images[0] as Image;
  const batch = new Float32Array(images.length * size * size * 3);
  for (const [i, image] of images.entries()) batch.set(image.data, i * image.data.length);
  const results = await s.run({ input: new ort.Tensor('float32', batch, [images.length, size, size, 3]) });
  return Object.fromEntries(
    Object.entries(results).map(([name, t]) => {
      const data = t.data as Float32Array;
      const each = data.length / images.length;
      return [name, images.map((_, i) => data.slice(i * each, (i + 1) * each))];
    }),
  );
}

/** Through face-api's TF.js: the same runtime as ours (hence wasm), typed as face-api expects. */
const toTensor = (image: Image) => faceapi.tf.tensor3d(image.data, [image.size, image.size, 3]);

const detectorInputs: Image[] = [];
const detectorReference: { boxes: Float32Array; scores: Float32Array }[] = [];
/** The best face of each sample, as face-api crops it: its box, padded to a centred square. */
const faces: Sharp[] = [];

beforeAll(async () => {
  await tfReady();
  expect(tf.getBackend()).toBe('wasm');
  const detector = new faceapi.SsdMobilenetv1();
  await detector.loadFromDisk(MODEL_DIR);
  const size = FACEAPI_MODELS.ssd_mobilenetv1.input.shape[1];
  for (const file of SAMPLES) {
    const { width = 0, height = 0 } = await sharp(file).metadata();
    const input = await pixels(sharp(file), size, 'left top');
    const tensor = toTensor(input);
    const { boxes, scores } = await detector.forward(tensor);
    const reference = {
      boxes: (await boxes[0]?.data()) as Float32Array,
      scores: (await scores[0]?.data()) as Float32Array,
    };
    for (const t of [tensor, ...boxes, ...scores]) t.dispose();
    detectorInputs.push(input);
    detectorReference.push(reference);

    const best = reference.scores.indexOf(Math.max(...reference.scores));
    const side = Math.max(width, height);
    const [top, left, bottom, right] = Array.from(reference.boxes.subarray(4 * best, 4 * best + 4), (v, i) =>
      Math.round(Math.min(Math.max(v * side, 0), i % 2 ? width : height)),
    ) as [number, number, number, number];
    faces.push(sharp(file).extract({ left, top, width: right - left, height: bottom - top }));
  }
});

describe('ssd_mobilenetv1', () => {
  let onnx: Record<string, Float32Array[]>;

  beforeAll(async () => {
    onnx = await runOnnx(
      await session(await buildFaceApiModel('ssd_mobilenetv1', MODEL_DIR)),
      detectorInputs,
    );
  });

  it.each(SAMPLES.map((file, i) => [basename(file), i]))('matches face-api on %s', (_, i) => {
    const reference = detectorReference[i] as { boxes: Float32Array; scores: Float32Array };
    const boxes = agreement(onnx.boxes?.[i] as Float32Array, reference.boxes);
    const scores = agreement(onnx.scores?.[i] as Float32Array, reference.scores);
    expect(equivalent(boxes), JSON.stringify(boxes)).toBe(true);
    expect(equivalent(scores), JSON.stringify(scores)).toBe(true);
    expect(Math.max(...reference.scores)).toBeGreaterThan(0.5);
  });
});

/** face-api's landmark or recognition net on one face, as a flat array. */
type Reference = (face: Image) => Promise<Float32Array>;

async function references(model: Exclude<FaceApiModel, 'ssd_mobilenetv1'>): Promise<Reference> {
  if (model === 'face_landmark_68') {
    const net = new faceapi.FaceLandmark68Net();
    await net.loadFromDisk(MODEL_DIR);
    return async (face) => {
      const tensor = toTensor(face);
      const landmarks = await net.forward(tensor);
      const data = (await landmarks.data()) as Float32Array;
      tensor.dispose();
      landmarks.dispose();
      return data;
    };
  }
  const net = new faceapi.FaceRecognitionNet();
  await net.loadFromDisk(MODEL_DIR);
  return async (face) => {
    const tensor = toTensor(face);
    const descriptor = (await net.computeFaceDescriptor(tensor)) as Float32Array;
    tensor.dispose();
    return descriptor;
  };
}

const BROKEN: Record<Exclude<FaceApiModel, 'ssd_mobilenetv1'>, [string, (t: Tensor) => Tensor]> = {
  face_landmark_68: ['dense2/conv1/bias', (t) => ({ ...t, data: new Float32Array(t.data.length) })],
  face_recognition: ['conv32_down/conv/filters', swapSpatialAxes],
};

describe.each([
  ['face_landmark_68', false],
  ['face_recognition', true],
] as const)('%s', (model, checkCosine) => {
  const name = Object.keys(FACEAPI_MODELS[model].outputs)[0] as string;
  const size = FACEAPI_MODELS[model].input.shape[1];
  let inputs: Image[];
  let expected: Float32Array[];

  beforeAll(async () => {
    inputs = await Promise.all(faces.map((face) => pixels(face.clone(), size, 'centre')));
    const reference = await references(model);
    expected = [];
    for (const input of inputs) expected.push(await reference(input));
  });

  it(`matches face-api's ${name} on the six sample faces`, async () => {
    const onnx = await runOnnx(await session(await buildFaceApiModel(model, MODEL_DIR)), inputs);
    inputs.forEach((_, i) => {
      const a = agreement(onnx[name]?.[i] as Float32Array, expected[i] as Float32Array);
      expect(equivalent(a, checkCosine), `face ${i + 1}: ${JSON.stringify(a)}`).toBe(true);
    });
  });

  it(`rejects a broken conversion (${BROKEN[model][0]} altered)`, async () => {
    const weights = await loadFaceApiWeights(model, MODEL_DIR);
    const [weight, breakIt] = BROKEN[model];
    weights.set(weight, breakIt(weights.get(weight) as Tensor));
    const onnx = await runOnnx(await session(faceApiGraph(model, weights).toBytes()), inputs);
    inputs.forEach((_, i) => {
      const a = agreement(onnx[name]?.[i] as Float32Array, expected[i] as Float32Array);
      expect(equivalent(a, checkCosine), `face ${i + 1}: ${JSON.stringify(a)}`).toBe(false);
    });
  });
});
