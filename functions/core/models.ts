/** Finds the built ONNX models and opens each one's onnxruntime session once per process. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Manifest, ManifestEntry } from '../../layers/models/src/build.ts';

export type { Manifest, ManifestEntry };

// onnxruntime's telemetry, started with the first session, parses /proc/self/cmdline recursively
// in native code: a command line of some 20–30 KB (`faceverify detect photos/*.jpg` over a few
// hundred photos) overflows the 8 MB main stack (~86,000 frames) and the process dies with SIGSEGV.
// Off unless the operator sets it; it would also write to ~/.cache and try to upload.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** `FACEVERIFY_MODELS_DIR`, else the converter's build folder in this checkout. */
export function modelsDir(): string {
  return (
    process.env.FACEVERIFY_MODELS_DIR ??
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'layers', 'models', 'build')
  );
}

export async function loadManifest(dir = modelsDir()): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`no model manifest in ${dir}: run \`npm run build:models\``, { cause: error });
  }
}

export function findModel(manifest: Manifest, name: string): ManifestEntry {
  const entry = manifest.models.find((m) => m.name === name);
  if (!entry)
    throw new Error(
      `model ${name} is not in the manifest (${manifest.models.map((m) => m.name).join(', ')})`,
    );
  return entry;
}

export interface LoadedModel {
  spec: ManifestEntry;
  session: ort.InferenceSession;
}

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  // Idle worker threads otherwise spin after each run, stealing the cores that sharp and the other
  // photo's models need: measured on the ~1920 px verify, p50 145–163 → 120 ms, CPU 280–310 → 187 ms.
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

export async function openModel(manifest: Manifest, name: string, dir = modelsDir()): Promise<LoadedModel> {
  const spec = findModel(manifest, name);
  const session = await ort.InferenceSession.create(join(dir, spec.file), SESSION_OPTIONS);
  return { spec, session };
}

/** A batch of RGB images (NHWC bytes, each the model's input size) as the model's normalised float input. */
export function toInputTensor(spec: ManifestEntry, images: readonly Uint8Array[]): ort.Tensor {
  const [, height = 0, width = 0, channels = 3] = spec.input.shape;
  const { scale, offset } = spec.input.normalisation;
  const size = height * width * channels;
  const data = new Float32Array(images.length * size);
  images.forEach((pixels, n) => {
    if (pixels.length !== size) throw new RangeError(`${spec.name} takes ${width}×${height} images`);
    for (let i = 0; i < size; i++) data[n * size + i] = (pixels[i] as number) * scale + offset;
  });
  return new ort.Tensor('float32', data, [images.length, height, width, channels]);
}
