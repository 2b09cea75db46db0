/**
 * `npm run eval`: measures every candidate detector × embedder on the shared face data and prints
 * markdown tables. Thresholds are fitted on LFW View 1 DevTrain only; DevTest and the deepface
 * pairs are scored at that threshold.
 *
 *   npm run eval -- [--detectors a,b] [--embedders x,y] [--limit N] [--calibrate] [--write-docs]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cosineSimilarity } from '../functions/core/compare.ts';
import { DEFAULT_MODELS, FaceEngine } from '../functions/core/engine.ts';
import { FaceVerifyError } from '../functions/core/errors.ts';
import { loadManifest } from '../functions/core/models.ts';
import type { Face, RgbImage } from '../functions/core/types.ts';
import { dataDir, deepfacePairs, lfwPairs, noFacePhotos, type Pair, widerImages } from './eval/datasets.ts';
import {
  averagePrecision,
  fitThreshold,
  type ImageResult,
  type LabelledScore,
  tarAtFar,
} from './eval/metrics.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CALIBRATION_FILE = join(ROOT, 'layers', 'models', 'calibration.json');
const AP_SIZES = [10, 24, 48];
/** Low enough to trace the whole precision–recall curve. */
const AP_MIN_SCORE = 0.05;

const { values: args } = parseArgs({
  options: {
    detectors: { type: 'string' },
    embedders: { type: 'string' },
    limit: { type: 'string' },
    calibrate: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    'skip-detection': { type: 'boolean', default: false },
    'skip-verification': { type: 'boolean', default: false },
  },
});

const data = dataDir();
if (!data.dir) {
  console.log(`eval skipped: ${data.reason}`);
  process.exit(0);
}
const DATA = data.dir;
const manifest = await loadManifest();
const list = (value: string | undefined, role: string, keep: (name: string) => boolean) =>
  value
    ? value.split(',')
    : manifest.models.filter((m) => m.role === role && keep(m.name)).map((m) => m.name);
const detectors = list(args.detectors, 'detector', () => true);
const embedders = list(args.embedders, 'embedder', () => true);
const limit = args.limit ? Number(args.limit) : Number.POSITIVE_INFINITY;

/** Same and different pairs kept balanced when a limit is given. */
function take(pairs: Pair[]): Pair[] {
  if (!Number.isFinite(limit)) return pairs;
  const same = pairs.filter((p) => p.same).slice(0, limit / 2);
  return [...same, ...pairs.filter((p) => !p.same).slice(0, limit / 2)];
}

const devTrain = take(lfwPairs(DATA, 'DevTrain'));
const devTest = take(lfwPairs(DATA, 'DevTest'));
const deepface = take(deepfacePairs(DATA));
const files = [...new Set([...devTrain, ...devTest, ...deepface].flatMap((p) => [p.a, p.b]))];

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pct = (x: number) => fmt(100 * x);

interface VerificationRow {
  detector: string;
  embedder: string;
  trainAccuracy: number;
  threshold: number;
  testAccuracy: number;
  tar: number;
  deepfaceAccuracy: number;
  missed: number;
  msPerFace: number;
  /** Flip test-time augmentation, as the engine ran it (undefined for fusions). */
  flip?: boolean;
}

/** Accuracy where a pair with an image without a face counts as wrong (the product answers NoFaceDetected). */
function scorePairs(pairs: Pair[], embeddings: Map<string, Float32Array>): LabelledScore[] {
  return pairs.map((p) => {
    const a = embeddings.get(p.a);
    const b = embeddings.get(p.b);
    return { same: p.same, similarity: a && b ? cosineSimilarity(a, b) : Number.NaN };
  });
}

function accuracyAt(scores: LabelledScore[], threshold: number): number {
  return (
    scores.filter((s) => !Number.isNaN(s.similarity) && s.similarity >= threshold === s.same).length /
    scores.length
  );
}

async function largestFaces(engine: FaceEngine): Promise<Map<string, { image: RgbImage; face: Face }>> {
  const found = new Map<string, { image: RgbImage; face: Face }>();
  for (const file of files) {
    const image = await engine.decode(await readFile(file));
    try {
      const [face] = await engine.pairFaces(image, 'source', false);
      if (face) found.set(file, { image, face });
    } catch (error) {
      if (!(error instanceof FaceVerifyError && error.code === 'NoFaceDetected')) throw error;
    }
  }
  return found;
}

async function verification(
  detector: string,
): Promise<{ rows: VerificationRow[]; embeddings: Map<string, Map<string, Float32Array>> }> {
  const rows: VerificationRow[] = [];
  const all = new Map<string, Map<string, Float32Array>>();
  const probe = await FaceEngine.load({ detector, embedder: DEFAULT_MODELS.embedder });
  const faces = await largestFaces(probe);
  for (const embedder of embedders) {
    const engine = await FaceEngine.load({ detector, embedder, allowUncalibrated: true });
    const embeddings = new Map<string, Float32Array>();
    const started = performance.now();
    for (const [file, { image, face }] of faces) {
      const [embedding] = await engine.embedFaces(image, [face]);
      embeddings.set(file, embedding as Float32Array);
    }
    const msPerFace = (performance.now() - started) / Math.max(1, faces.size);
    all.set(embedder, embeddings);
    const missed = files.length - faces.size;
    rows.push({ detector, embedder, msPerFace, missed, flip: engine.flip, ...score(embeddings) });
    console.error(`  ${detector} × ${embedder}: done`);
  }
  return { rows, embeddings: all };
}

function score(embeddings: Map<string, Float32Array>) {
  const train = scorePairs(devTrain, embeddings);
  const fit = fitThreshold(train.filter((s) => !Number.isNaN(s.similarity)));
  const test = scorePairs(devTest, embeddings);
  return {
    threshold: fit.threshold,
    trainAccuracy: accuracyAt(train, fit.threshold),
    testAccuracy: accuracyAt(test, fit.threshold),
    tar: tarAtFar(
      test.map((s) => ({ ...s, similarity: Number.isNaN(s.similarity) ? -2 : s.similarity })),
      1e-3,
    ).tar,
    deepfaceAccuracy: accuracyAt(scorePairs(deepface, embeddings), fit.threshold),
  };
}

/** Score-level fusion of two embedders: cos = w·cos₁ + (1 − w)·cos₂, w fitted on DevTrain. */
function fusion(
  detector: string,
  names: [string, string],
  embeddings: Map<string, Map<string, Float32Array>>,
): VerificationRow {
  const [e1, e2] = names.map((n) => embeddings.get(n) as Map<string, Float32Array>) as [
    Map<string, Float32Array>,
    Map<string, Float32Array>,
  ];
  let best: { w: number; row: ReturnType<typeof score> } | undefined;
  for (let w = 0.5; w <= 0.951; w += 0.05) {
    const fused = new Map<string, Float32Array>();
    for (const [file, a] of e1) {
      const b = e2.get(file);
      if (b)
        fused.set(
          file,
          Float32Array.from([...a.map((x) => x * Math.sqrt(w)), ...b.map((x) => x * Math.sqrt(1 - w))]),
        );
    }
    const row = score(fused);
    if (!best || row.trainAccuracy > best.row.trainAccuracy) best = { w, row };
  }
  const chosen = best as { w: number; row: ReturnType<typeof score> };
  return {
    detector,
    embedder: `${names[0]} ⊕ ${names[1]} (w=${chosen.w.toFixed(2)})`,
    missed: Number.NaN,
    msPerFace: Number.NaN,
    ...chosen.row,
  };
}

interface DetectionRow {
  detector: string;
  ap: number[];
  noFaceFaces: number;
  msPerImage: number;
}

async function detection(detector: string): Promise<DetectionRow> {
  const engine = await FaceEngine.load({ detector, allowUncalibrated: true });
  const results: ImageResult[] = [];
  const started = performance.now();
  const wider = Number.isFinite(limit) ? widerImages(DATA).slice(0, limit) : widerImages(DATA);
  for (const annotated of wider) {
    const image = await engine.decode(await readFile(annotated.file));
    const faces = await engine.findFaces(image, { minScore: AP_MIN_SCORE });
    results.push({ truth: annotated.faces, detections: faces });
  }
  const msPerImage = (performance.now() - started) / wider.length;
  let noFaceFaces = 0;
  for (const file of noFacePhotos(DATA)) {
    noFaceFaces += (await engine.detect(await readFile(file))).faces.length;
  }
  return { detector, ap: AP_SIZES.map((s) => averagePrecision(results, s)), noFaceFaces, msPerImage };
}

const verificationRows: VerificationRow[] = [];
const detectionRows: DetectionRow[] = [];
for (const detector of detectors) {
  if (!args['skip-verification']) {
    console.error(`${detector}: verification on ${files.length} images`);
    const { rows, embeddings } = await verification(detector);
    verificationRows.push(...rows);
    const others = embedders.filter((e) => e !== DEFAULT_MODELS.embedder);
    if (embeddings.has(DEFAULT_MODELS.embedder)) {
      for (const other of others)
        verificationRows.push(fusion(detector, [DEFAULT_MODELS.embedder, other], embeddings));
    }
  }
  if (!args['skip-detection']) {
    console.error(`${detector}: detection`);
    detectionRows.push(await detection(detector));
  }
}

const verificationTable = [
  `LFW View 1: threshold fitted on DevTrain (${devTrain.length} pairs), scored on DevTest (${devTest.length} pairs); deepface: ${deepface.length} full-resolution pairs at that threshold. A pair with an image where no face was found counts as wrong.`,
  '',
  '| detector | embedder | DevTrain acc % | threshold | **DevTest acc %** | DevTest TAR @ FAR=1e-3 % | deepface acc % | images without a face | ms / face (align+embed) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...verificationRows.map(
    (r) =>
      `| ${r.detector} | ${r.embedder} | ${pct(r.trainAccuracy)} | ${fmt(r.threshold, 3)} | **${pct(r.testAccuracy)}** | ${pct(r.tar)} | ${pct(r.deepfaceAccuracy)} | ${Number.isNaN(r.missed) ? '–' : r.missed} | ${fmt(r.msPerFace, 1)} |`,
  ),
].join('\n');

const detectionTable = [
  `WIDER FACE train subset (${widerImages(DATA).length} images): AP at IoU 0.5 for faces at least N px tall (invalid and smaller faces ignored); faces reported on the ${noFacePhotos(DATA).length} photos without a human face at the default minScore.`,
  '',
  `| detector | ${AP_SIZES.map((s) => `AP ≥ ${s} px`).join(' | ')} | faces on no-face photos | ms / image (WIDER, tiles) |`,
  `|---|${AP_SIZES.map(() => '---').join('|')}|---|---|`,
  ...detectionRows.map(
    (r) =>
      `| ${r.detector} | ${r.ap.map((a) => pct(a)).join(' | ')} | ${r.noFaceFaces} | ${fmt(r.msPerImage, 0)} |`,
  ),
].join('\n');

const command = `npm run eval -- ${process.argv.slice(2).join(' ')}`.trim();
const report = `## Verification\n\n${verificationTable}\n\n## Detection\n\n${detectionTable}\n`;
console.log(report);

if (args.calibrate) {
  const shipped = verificationRows.filter(
    (r) => r.detector === DEFAULT_MODELS.detector && embedders.includes(r.embedder),
  );
  const calibration = Object.fromEntries(
    shipped.map((r) => [
      r.embedder,
      {
        threshold: Number(r.threshold.toFixed(4)),
        fittedOn: `LFW View 1 DevTrain (${devTrain.length} pairs), detector ${r.detector}, flip test-time augmentation ${r.flip ? 'on' : 'off'}`,
        devTrainAccuracy: Number(r.trainAccuracy.toFixed(4)),
      },
    ]),
  );
  // Embedders not evaluated in this run keep their earlier calibration.
  const previous = JSON.parse(await readFile(CALIBRATION_FILE, 'utf8').catch(() => '{}')) as object;
  await writeFile(CALIBRATION_FILE, `${JSON.stringify({ ...previous, ...calibration }, null, 2)}\n`);
  console.error(`wrote ${CALIBRATION_FILE}; run npm run build:models to put it in the manifest`);
}

if (args['write-docs']) {
  const doc = `# Evaluation\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on the shared data (see its README). Shipped default: detector \`${DEFAULT_MODELS.detector}\`, landmarks \`${DEFAULT_MODELS.landmarks}\`, embedder \`${DEFAULT_MODELS.embedder}\`.\n\n${report}`;
  await writeFile(join(ROOT, 'docs', 'evaluation.md'), doc);
}
