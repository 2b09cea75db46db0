/**
 * Measured what-ifs for verify, using only the engine's public pieces (nothing in functions/ changes):
 * cheaper decodes and onnxruntime thread settings.
 * Variants of one experiment run interleaved, one call each per round, so load from elsewhere on
 * the machine lands on all of them alike; compare variants within a table, not across runs.
 *
 * Usage: npx tsx scripts/bench/experiments.ts [--iterations 20] [--json]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp, { type OutputInfo } from 'sharp';
import { cosineSimilarity } from '../../functions/core/compare.ts';
import { decodeImage } from '../../functions/core/decode.ts';
import { Embedder, flips } from '../../functions/core/embedder.ts';
import { FaceEngine } from '../../functions/core/engine.ts';
import { DEFAULT_MODELS_DIR, findModel, loadManifest, SESSION_OPTIONS } from '../../functions/core/models.ts';
import type { Face, RgbImage } from '../../functions/core/types.ts';
import { engineConfig } from '../../functions/shared/runtime-config.ts';
import { loadPhotos } from './photos.ts';
import { table } from './report.ts';
import { LoadMeter, type Summary, summarise, time } from './stats.ts';

const { values: flags } = parseArgs({
  options: { iterations: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
});
const ITERATIONS = Number(flags.iterations);
const WARMUP = 3;
const progress = (message: string) => process.stderr.write(`[experiments] ${message}\n`);

interface Variant {
  name: string;
  run: () => Promise<unknown>;
}

interface VariantResult {
  name: string;
  summary: Summary;
  /** CPU time of this process (all threads) per call. */
  cpuMs: number;
  note?: string;
}

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function compare(
  variants: readonly Variant[],
  warmup = WARMUP,
  iterations = ITERATIONS,
): Promise<{ results: VariantResult[]; otherCores: number }> {
  for (let i = 0; i < warmup; i++) for (const v of variants) await v.run();
  const samples: number[][] = variants.map(() => []);
  const cpu = variants.map(() => 0);
  const meter = new LoadMeter();
  for (let i = 0; i < iterations; i++) {
    for (const [k, v] of variants.entries()) {
      const before = cpuNow();
      samples[k]?.push((await time(v.run))[0]);
      cpu[k] = (cpu[k] ?? 0) + cpuNow() - before;
    }
  }
  const load = meter.stop();
  return {
    results: variants.map((v, k) => ({
      name: v.name,
      summary: summarise(samples[k] ?? []),
      cpuMs: (cpu[k] ?? 0) / iterations,
    })),
    otherCores: load.otherCores,
  };
}

const photos = await loadPhotos();
const [a, b] = photos.large;
const config = engineConfig();
const engine = await FaceEngine.load(config);

// --- A. Decoding a ~1920 px JPEG -------------------------------------------------------------
function rawImage(data: Buffer, info: OutputInfo): RgbImage {
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** The engine's decode, but letting libjpeg shrink by 2^k while decoding (DCT scaling) to ≤ maxSide. */
async function decodeShrunk(bytes: Uint8Array, maxSide: number): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { failOn: 'truncated' })
    .autoOrient()
    .resize({
      width: maxSide,
      height: maxSide,
      fit: 'inside',
      withoutEnlargement: true,
      fastShrinkOnLoad: true,
    })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return rawImage(data, info);
}

progress('A. decode variants…');
const decodeResults = await compare([
  { name: 'engine.decode (header read + full decode)', run: () => engine.decode(a.bytes) },
  {
    name: 'full decode only (sharp → raw, no header pass)',
    run: async () => {
      const { data, info } = await sharp(a.bytes).raw().toBuffer({ resolveWithObject: true });
      return rawImage(data, info);
    },
  },
  // sharp only lets libjpeg shrink by 2 when the whole shrink is ≥ 3 (its libjpeg-rounding rule), so
  // ≤ 960 px of a 1920 px photo is a full decode plus a resize, and ≤ 640 px is a 2× DCT decode + resize.
  { name: '≤ 960 px (full decode + resize)', run: () => decodeShrunk(a.bytes, 960) },
  { name: '≤ 640 px (libjpeg 2× shrink-on-load + resize)', run: () => decodeShrunk(a.bytes, 640) },
  {
    name: 'two photos at once (as verify decodes)',
    run: () => Promise.all([engine.decode(a.bytes), engine.decode(b.bytes)]),
  },
]);

// --- B. Verify, rebuilt from the engine's public pieces, one change at a time -------------------
type Decode = (bytes: Uint8Array) => Promise<RgbImage>;

async function largestFace(image: RgbImage): Promise<Face> {
  const faces = await engine.findFaces(image, { tiles: false });
  if (!faces[0]) throw new Error('no face');
  return faces[0];
}

/** Mirrors engine.verify's stages (decode ∥, detect ∥, align + embed ∥) for the largest faces. */
async function composedVerify(decode: Decode): Promise<number> {
  const images = await Promise.all([decode(a.bytes), decode(b.bytes)]);
  const faces = await Promise.all(images.map(largestFace));
  const embeddings = await Promise.all(images.map((img, i) => engine.embedFaces(img, [faces[i] as Face])));
  return cosineSimilarity(
    embeddings[0]?.[0]?.embedding as Float32Array,
    embeddings[1]?.[0]?.embedding as Float32Array,
  );
}

const fullDecode: Decode = (bytes) => decodeImage(bytes);
const smallDecode: Decode = (bytes) => decodeShrunk(bytes, 640);
const similarities = [
  (await engine.verify(a.bytes, b.bytes)).similarity,
  await composedVerify(fullDecode),
  await composedVerify(smallDecode),
];
progress('B. verify variants…');
const verifyResults = await compare([
  { name: 'engine.verify (baseline)', run: () => engine.verify(a.bytes, b.bytes) },
  { name: 'same pipeline rebuilt (sanity check)', run: () => composedVerify(fullDecode) },
  { name: '+ decode to ≤ 640 px (2× shrink-on-load)', run: () => composedVerify(smallDecode) },
]);
verifyResults.results.forEach((r, i) => {
  r.note = `similarity ${(similarities[i] ?? Number.NaN).toFixed(4)}`;
});

// --- C. onnxruntime threads for the embedder -----------------------------------------------------
progress('C. onnxruntime thread settings (embedder)…');
const dir = config.modelsDir ?? DEFAULT_MODELS_DIR;
// The first (or only) embedder the engine fuses.
const firstEmbedder = engine.models.find((m) => m.role === 'embedder')?.name ?? '';
const spec = findModel(await loadManifest(dir), firstEmbedder, 'embedder');
async function embedderWith(options: ort.InferenceSession.SessionOptions): Promise<Embedder> {
  const session = await ort.InferenceSession.create(join(dir, spec.file), { ...SESSION_OPTIONS, ...options });
  return new Embedder({ spec, session });
}
const image = await engine.decode(a.bytes);
const defaults = await embedderWith({});
const crop = await defaults.align(image, (await largestFace(image)).landmarks);
const single = await embedderWith({ intraOpNumThreads: 1 });
// onnxruntime's own default: idle intra-op threads spin for work, which the engine turns off.
const spinning = await embedderWith({ extra: { session: { intra_op: { allow_spinning: '1' } } } });
const twoAtOnce = (e: Embedder) => Promise.all([e.embed([crop]), e.embed([crop])]);
const threadResults = await compare([
  { name: 'default threads: 1 crop', run: () => defaults.embed([crop]) },
  { name: 'default threads: 2 runs of 1 crop at once', run: () => twoAtOnce(defaults) },
  { name: 'default threads: 1 run of 2 crops', run: () => defaults.embed([crop, crop]) },
  { name: 'intraOpNumThreads 1: 1 crop', run: () => single.embed([crop]) },
  { name: 'intraOpNumThreads 1: 2 runs of 1 crop at once', run: () => twoAtOnce(single) },
  { name: 'intraOpNumThreads 1: 1 run of 2 crops', run: () => single.embed([crop, crop]) },
  { name: 'spinning (onnxruntime default): 1 crop', run: () => spinning.embed([crop]) },
  { name: 'spinning (onnxruntime default): 2 runs of 1 crop at once', run: () => twoAtOnce(spinning) },
]);

// --- D. Each model's run alone -----------------------------------------------------------------
progress("D. each model's run alone…");
const manifest = await loadManifest(dir);
const modelRuns: Variant[] = [];
for (const m of engine.models) {
  const entry = findModel(manifest, m.name);
  // As a worker runs it (one intra-op thread), with the batch one photo of a verify needs: the
  // compared face's landmarks, and each embedder's two alignments (and their mirrors where it flips).
  const session = await ort.InferenceSession.create(join(dir, entry.file), {
    ...SESSION_OPTIONS,
    intraOpNumThreads: 1,
  });
  const [, height = 1, width = 1, channels = 3] = entry.input.shape;
  const batch = entry.role === 'embedder' ? 2 * (flips(entry) ? 2 : 1) : 1;
  const input = new ort.Tensor('float32', new Float32Array(batch * height * width * channels), [
    batch,
    height,
    width,
    channels,
  ]);
  modelRuns.push({
    name: `${m.name} (${m.role}): one run, batch ${batch} of ${width}×${height}`,
    run: () => session.run({ [entry.input.name]: input }),
  });
}
const modelResults = await compare(modelRuns);

// --- E. Opening the models (cold start) -----------------------------------------------------------
progress('E. opening the models…');
const openVariants: Variant[] = engine.models.flatMap((m) => {
  const file = join(dir, findModel(manifest, m.name).file);
  return (['all', 'basic', 'disabled'] as const).map((level) => ({
    name: `${m.name}: InferenceSession.create, graphOptimizationLevel '${level}'`,
    run: async () => (await ort.InferenceSession.create(file, { graphOptimizationLevel: level })).release(),
  }));
});
const openResults = await compare(openVariants, 1, Math.min(ITERATIONS, 5));

const experiments = [
  { title: 'A. Decode sample1.jpg (1920×1280)', ...decodeResults },
  { title: 'B. Verify sample1.jpg + sample2.jpg', ...verifyResults },
  { title: `C. ${spec.name} embedder, onnxruntime threads`, ...threadResults },
  {
    title:
      "D. Each model's run alone at one intra-op thread, with one verify photo's batch (zero input; the detector runs once per view)",
    ...modelResults,
  },
  { title: 'E. Opening the models (part of cold start)', ...openResults },
];
if (flags.json) {
  process.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
} else {
  for (const e of experiments) {
    process.stdout.write(
      `### ${e.title}\n\n${table(
        ['variant', '>p50 (ms)', '>p95 (ms)', '>min (ms)', '>CPU (ms)', 'note'],
        e.results.map((r) => [
          r.name,
          r.summary.p50.toFixed(1),
          r.summary.p95.toFixed(1),
          r.summary.min.toFixed(1),
          r.cpuMs.toFixed(1),
          r.note ?? '',
        ]),
      )}\n\nOther processes kept ${e.otherCores.toFixed(2)} cores busy meanwhile.\n\n`,
    );
  }
}
