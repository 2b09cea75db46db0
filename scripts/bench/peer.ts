/**
 * The peer a Node user would pick instead: @vladmandic/face-api on @tensorflow/tfjs with the wasm
 * backend (tfjs-node needs a native download). Same job as `engine.verify`: decode both photos with
 * the engine's own decoder (so decoding costs the same), then for each one detect (SSD MobileNet v1),
 * 68 landmarks and a descriptor with face-api's one-call pipeline, and compare the descriptors.
 *
 * Runs as a child of the bench so its memory and wasm runtime stay out of the engine's numbers.
 * Usage: node --import tsx scripts/bench/peer.ts [--warmup 2] [--iterations 10] [--small-iterations 5] [--max-ms 40000]
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../../functions/core/decode.ts';
import { cpuMs, maxRssMb, report } from './child.ts';
import { FACE_API_DIR, loadPhotos, type Photo } from './photos.ts';

report('script');
const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '2' },
    iterations: { type: 'string', default: '10' },
    'small-iterations': { type: 'string', default: '5' },
    /** Stop a pair's loop after this long once 3 verifies are measured (a busy machine). */
    'max-ms': { type: 'string', default: '40000' },
  },
});

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
const faceapi =
  require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof import('@vladmandic/face-api');

// The wasm binaries from the package itself (face-api's demo fetches them from a CDN). Node gets the
// SIMD build; the threaded one needs blob: workers, which Node's worker_threads refuse.
wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
await tf.setBackend('wasm');
await tf.ready();
const modelDir = join(FACE_API_DIR, 'model');
await Promise.all([
  faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir),
  faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
  faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
]);
report('ready', {
  backend: tf.getBackend(),
  simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
  threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  versions: { faceApi: faceapi.version, tfjs: tf.version.tfjs },
});

const detectorOptions = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });

interface PeerTimings {
  decode: number;
  faces: number;
  total: number;
  /** This process's CPU time (all threads) for the verify. */
  cpu: number;
}

async function verify(a: Photo, b: Photo): Promise<{ distance: number; timings: PeerTimings }> {
  const cpuStart = cpuMs();
  const start = performance.now();
  const images = await Promise.all([decodeImage(a.bytes), decodeImage(b.bytes)]);
  const decoded = performance.now();
  const descriptors: Float32Array[] = [];
  for (const image of images) {
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const input = tensor as unknown as Parameters<typeof faceapi.detectSingleFace>[0];
      const result = await faceapi
        .detectSingleFace(input, detectorOptions)
        .withFaceLandmarks()
        .withFaceDescriptor();
      if (!result) throw new Error('face-api found no face');
      descriptors.push(result.descriptor);
    } finally {
      tensor.dispose();
    }
  }
  const [da, db] = descriptors as [Float32Array, Float32Array];
  const end = performance.now();
  return {
    distance: faceapi.euclideanDistance(da, db),
    timings: { decode: decoded - start, faces: end - decoded, total: end - start, cpu: cpuMs() - cpuStart },
  };
}

const photos = await loadPhotos();
const first = await verify(...photos.large);
report('answer', { distance: first.distance, timings: first.timings });

const maxMs = Number(values['max-ms']);

async function run(pair: [Photo, Photo], warmup: number, iterations: number): Promise<PeerTimings[]> {
  for (let i = 0; i < warmup; i++) await verify(...pair);
  const out: PeerTimings[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    if (i >= 3 && performance.now() - start > maxMs) break;
    out.push((await verify(...pair)).timings);
  }
  return out;
}

const large = await run(photos.large, Number(values.warmup) - 1, Number(values.iterations));
const small = await run(photos.small, 1, Number(values['small-iterations']));
report('done', {
  large,
  small,
  tensors: tf.memory().numTensors,
  maxRssMb: maxRssMb(),
  cpuMs: cpuMs(),
});
