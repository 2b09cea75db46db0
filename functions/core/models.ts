/** Finds the built ONNX models and opens each one's onnxruntime session once per process. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { EntryOf, InputSpec, Manifest, ManifestEntry, Role } from './manifest.ts';

// onnxruntime's telemetry, started with the first session, parses /proc/self/cmdline recursively
// in native code: a command line of some 20–30 KB (`faceverify detect photos/*.jpg` over a few
// hundred photos) overflows the 8 MB main stack (~86,000 frames) and the process dies with SIGSEGV.
// Off unless the operator sets it; it would also write to ~/.cache and try to upload.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** The converter's build folder in this checkout: where the engine looks unless told otherwise. */
export const DEFAULT_MODELS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'layers',
  'models',
  'build',
);

export async function loadManifest(dir = DEFAULT_MODELS_DIR): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`no model manifest in ${dir}: run \`npm run build:models\``, { cause: error });
  }
}

/** The entry of model `name`, checked to have `role` when one is asked. */
export function findModel<R extends Role = Role>(manifest: Manifest, name: string, role?: R): EntryOf<R> {
  const entry = manifest.models.find((m) => m.name === name);
  if (!entry)
    throw new Error(
      `model ${name} is not in the manifest (${manifest.models.map((m) => m.name).join(', ')})`,
    );
  if (role !== undefined && entry.role !== role) throw new Error(`${name} is not a ${role}`);
  return entry as EntryOf<R>;
}

export interface LoadedModel<E extends ManifestEntry = ManifestEntry> {
  spec: E;
  session: ort.InferenceSession;
}

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  // Idle worker threads otherwise spin after each run, stealing the cores that sharp and the other
  // photo's models need: measured on the ~1920 px verify, p50 145–163 → 120 ms, CPU 280–310 → 187 ms.
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/** An onnxruntime session for a manifest entry's file in `dir`, with `threads` intra-op threads if given. */
export async function openModel<E extends ManifestEntry>(
  spec: E,
  dir: string,
  threads?: number,
): Promise<LoadedModel<E>> {
  const options =
    threads === undefined ? SESSION_OPTIONS : { ...SESSION_OPTIONS, intraOpNumThreads: threads };
  const session = await ort.InferenceSession.create(join(dir, spec.file), options);
  return { spec, session };
}

/**
 * Writes RGB pixels (0–255, HWC) into `out` from `at` as the model's input: its channel order, then
 * `pixel * scale + offset` per channel.
 */
export function normaliseInto(input: InputSpec, rgb: ArrayLike<number>, out: Float32Array, at = 0): void {
  const { scale, offset } = input.normalisation;
  const [o0, o1, o2] = typeof offset === 'number' ? [offset, offset, offset] : offset;
  // Model channel c reads RGB channel sc.
  const [s0, s1, s2] = input.colour === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0; i < rgb.length; i += 3) {
    out[at + i] = (rgb[i + s0] as number) * scale + o0;
    out[at + i + 1] = (rgb[i + s1] as number) * scale + o1;
    out[at + i + 2] = (rgb[i + s2] as number) * scale + o2;
  }
}

/**
 * A batch of RGB images (NHWC bytes, each the model's input size, or height × width where the model
 * takes any) as the model's normalised float input.
 */
export function toInputTensor(
  spec: ManifestEntry,
  images: readonly Uint8Array[],
  [height, width] = [spec.input.shape[1] ?? 0, spec.input.shape[2] ?? 0],
): ort.Tensor {
  const channels = spec.input.shape[3] ?? 3;
  const size = height * width * channels;
  const data = new Float32Array(images.length * size);
  images.forEach((pixels, n) => {
    if (pixels.length !== size) throw new RangeError(`${spec.name} takes ${width}×${height} images`);
    normaliseInto(spec.input, pixels, data, n * size);
  });
  return new ort.Tensor('float32', data, [images.length, height, width, channels]);
}
