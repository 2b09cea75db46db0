/**
 * `npm run eval`: measures every candidate detector × embedder (and fusion of embedders) on the
 * shared face data and prints markdown tables, by the protocol of scripts/eval/verification.ts: fit
 * on LFW View 1 DevTrain + CFP folds 6–8, report on LFW DevTest, CFP folds 9–10 and deepface.
 * `--calibrate` writes the shipped detector's thresholds, fusion weights and false-accept curves.
 *
 *   npm run eval -- [--detectors a,b] [--embedders x,y] [--fusions a+b,a+b+c] [--limit N]
 *                   [--calibrate] [--write-docs] [--skip-detection] [--skip-verification]
 *                   [--cache FILE]
 *   npm run eval -- --quality [--calibrate] [--write-docs] [--quality-cache FILE [--cached-only]]   (scripts/eval/quality-report.ts)
 *   npm run eval -- --face-size [--limit N] [--write-docs]   (scripts/eval/face-size.ts)
 *
 * `--cache FILE` keeps each image's embeddings in FILE (outside the repository) for the next run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FarPoint } from '../functions/core/compare.ts';
import { type EmbeddedFace, flips } from '../functions/core/embedder.ts';
import { DEFAULT_MODELS, FaceEngine, type PairFace } from '../functions/core/engine.ts';
import { FaceVerifyError } from '../functions/core/errors.ts';
import type { Calibration, SearchCalibration } from '../functions/core/manifest.ts';
import { type MatchCalibration, type MatchFace, searchThresholds } from '../functions/core/match.ts';
import { findModel, loadManifest } from '../functions/core/models.ts';
import { poseOf } from '../functions/core/pose.ts';
import { searchCalibration } from '../functions/core/search-score.ts';
import type { Pose, RgbImage } from '../functions/core/types.ts';
import { engineConfig } from '../functions/shared/runtime-config.ts';
import { CALIBRATION_FILE, type CalibrationFile, readCalibration } from '../layers/models/src/build.ts';
import {
  cfpPairs,
  dataDir,
  deepfacePairs,
  lfwPairs,
  noFacePhotos,
  type Pair,
  widerImages,
} from './eval/datasets.ts';
import { EmbeddingCache, modelsKey } from './eval/embedding-cache.ts';
import { faceSizeReport } from './eval/face-size.ts';
import {
  fitSearchWeights,
  fnirAtFpir,
  mean,
  poseFaces,
  predictedFpir,
  type Rates,
  rankOneRate,
  ratesAt,
  SEARCH_TAIL,
  type SplitOptions,
  searchCurves,
  searchSplit,
  seededSplits,
} from './eval/identification.ts';
import { averagePrecision, type ImageResult } from './eval/metrics.ts';
import { qualityReport } from './eval/quality-report.ts';
import { type SearchVariant, variantName, variantTrials } from './eval/search-variants.ts';
import {
  type Embeddings,
  FAR_TAIL,
  fitWeights,
  fuse,
  type ProtocolSets,
  personOf,
  scoreProtocol,
  type VerificationScores,
} from './eval/verification.ts';
import { markedSections, replaceSection } from './load/doc-section.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AP_SIZES = [10, 24, 48];
/** Low enough to trace the whole precision–recall curve. */
const AP_MIN_SCORE = 0.05;

const { values: args } = parseArgs({
  options: {
    detectors: { type: 'string' },
    embedders: { type: 'string' },
    fusions: { type: 'string' },
    limit: { type: 'string' },
    calibrate: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    'skip-detection': { type: 'boolean', default: false },
    'skip-verification': { type: 'boolean', default: false },
    identification: { type: 'boolean', default: false },
    cache: { type: 'string' },
    quality: { type: 'boolean', default: false },
    'quality-cache': { type: 'string' },
    'cached-only': { type: 'boolean', default: false },
    'face-size': { type: 'boolean', default: false },
  },
});

// Every detector and embedder is evaluated: of the environment's settings only the models' folder applies.
const { modelsDir } = engineConfig();
const command = `npm run eval -- ${process.argv.slice(2).join(' ')}`.trim();

const manifest = await loadManifest(modelsDir);
const list = (value: string | undefined, role: string, keep: (name: string) => boolean) =>
  value
    ? value.split(',')
    : manifest.models.filter((m) => m.role === role && keep(m.name)).map((m) => m.name);
const detectors = list(args.detectors, 'detector', () => true);
const embedders = list(args.embedders, 'embedder', () => true);
const limit = args.limit ? Number(args.limit) : Number.POSITIVE_INFINITY;
/** `a+b,a+b+c`; by default every pair of the embedders evaluated. */
const fusions: string[][] = args.fusions
  ? args.fusions.split(',').map((f) => f.split('+'))
  : embedders.flatMap((a, i) => embedders.slice(i + 1).map((b) => [a, b]));

// Names the manifest does not have fail here, not after the images are embedded.
for (const [names, role] of [
  [detectors, 'detector'],
  [[...embedders, ...fusions.flat()], 'embedder'],
] as const) {
  for (const name of names) {
    try {
      findModel(manifest, name, role);
    } catch (error) {
      const hint = name.includes('+')
        ? `; a fusion is evaluated from its parts: --embedders ${name.replaceAll('+', ',')}`
        : '';
      console.error(`eval: ${(error as Error).message}${hint}`);
      process.exit(2);
    }
  }
}

const data = dataDir();
if (!data.dir) {
  console.log(`eval skipped: ${data.reason}`);
  process.exit(0);
}
const DATA = data.dir;
const cache = await EmbeddingCache.open(args.cache);

/** Same and different pairs kept balanced when a limit is given. */
function take(pairs: Pair[]): Pair[] {
  if (!Number.isFinite(limit)) return pairs;
  const same = pairs.filter((p) => p.same).slice(0, limit / 2);
  return [...same, ...pairs.filter((p) => !p.same).slice(0, limit / 2)];
}

if (args['face-size']) {
  const report = await faceSizeReport(
    await FaceEngine.load({ modelsDir }),
    DATA,
    Number.isFinite(limit) ? limit : 300,
    command,
  );
  const section = `## Face size\n\n${report}`;
  console.log(section);
  if (args['write-docs']) {
    const page = join(ROOT, 'docs', 'evaluation.md');
    await writeFile(page, replaceSection(await readFile(page, 'utf8'), 'face-size', section));
  }
  process.exit(0);
}

if (args.quality) {
  const report = await qualityReport({
    data: DATA,
    engine: await FaceEngine.load({ modelsDir }),
    calibrate: args.calibrate,
    writeDocs: args['write-docs'],
    cache: args['quality-cache'],
    cachedOnly: args['cached-only'],
    docsDir: join(ROOT, 'docs'),
    command,
    take,
  });
  const section = `## Face quality and head pose\n\n${report}`;
  console.log(section);
  if (args['write-docs']) {
    const page = join(ROOT, 'docs', 'evaluation.md');
    await writeFile(page, replaceSection(await readFile(page, 'utf8'), 'quality', section));
  }
  process.exit(0);
}

const cfp = cfpPairs(DATA);
const sets: ProtocolSets = {
  train: [...take(lfwPairs(DATA, 'DevTrain')), ...take(cfp.filter((p) => p.fold <= 8))],
  trainImages: [],
  lfwTest: take(lfwPairs(DATA, 'DevTest')),
  lfwTestImages: [],
  cfpTest: take(cfp.filter((p) => p.fold >= 9)),
  deepface: take(deepfacePairs(DATA)),
};
const imagesOf = (pairs: Pair[]) => [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
sets.trainImages = imagesOf(sets.train);
sets.lfwTestImages = imagesOf(sets.lfwTest);
const files = imagesOf([...sets.train, ...sets.lfwTest, ...sets.cfpTest, ...sets.deepface]);

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pct = (x: number) => fmt(100 * x);

interface VerificationRow extends VerificationScores {
  detector: string;
  /** An embedder, or a fusion `a+b` with its weights. */
  embedder: string;
  weights?: number[];
  msPerFace: number;
  /** Whether each embedder of the row (one, or each of the fusion's) used flip test-time augmentation. */
  flips: boolean[];
}

/** The face verify compares in an image (the engine's own choice), or none. */
async function pairFace(
  engine: FaceEngine,
  file: string,
): Promise<{ image: RgbImage; face: PairFace } | null> {
  const image = await engine.decode(await readFile(file));
  try {
    const [face] = await engine.pairFaces(image, 'source', false);
    return face ? { image, face } : null;
  } catch (error) {
    if (error instanceof FaceVerifyError && error.code === 'NoFaceDetected') return null;
    throw error;
  }
}

/**
 * Each image's face embedded by each embedder (from the cache where it has them): an image is decoded
 * and searched once, and only when some embedder has not cached it.
 */
async function embedAll(engines: readonly FaceEngine[], images: readonly string[] = files) {
  const keys = engines.map((engine) => modelsKey(engine.models, manifest));
  const embeddings = engines.map((): Embeddings => new Map());
  const profiles = new Set<string>();
  const msEmbedding = engines.map(() => ({ ms: 0, faces: 0 }));
  for (const [done, file] of images.entries()) {
    let found: Promise<{ image: RgbImage; face: PairFace } | null> | undefined;
    for (const [k, engine] of engines.entries()) {
      const key = keys[k] as string;
      let cached = cache.get(key, file);
      if (cached === undefined) {
        found ??= pairFace(engines[0] as FaceEngine, file);
        const pair = await found;
        const started = performance.now();
        cached = pair && {
          embedding: ((await engine.embedFaces(pair.image, [pair.face]))[0] as EmbeddedFace).embedding,
          pose: poseOf(pair.face.detected),
        };
        const spent = msEmbedding[k] as { ms: number; faces: number };
        spent.ms += performance.now() - started;
        spent.faces += 1;
        await cache.set(key, file, cached);
      }
      if (!cached) continue;
      (embeddings[k] as Embeddings).set(file, cached.embedding);
      if (cached.pose === 'profile') profiles.add(file);
    }
    if (done % 500 === 499) console.error(`  ${done + 1} / ${images.length} images`);
  }
  await cache.save();
  // Only measured over the faces embedded in this run.
  return {
    embeddings,
    profiles,
    msPerFace: msEmbedding.map(({ ms, faces }) => (faces ? ms / faces : Number.NaN)),
  };
}

async function verification(detector: string): Promise<VerificationRow[]> {
  const rows: VerificationRow[] = [];
  const all = new Map<string, Embeddings>();
  const engines = await Promise.all(
    embedders.map((embedder) => FaceEngine.load({ modelsDir, detector, embedder, allowUncalibrated: true })),
  );
  const embedded = await embedAll(engines);
  const { profiles } = embedded;
  for (const [k, embedder] of embedders.entries()) {
    const embeddings = embedded.embeddings[k] as Embeddings;
    const msPerFace = embedded.msPerFace[k] as number;
    all.set(embedder, embeddings);
    rows.push({
      detector,
      embedder,
      msPerFace,
      flips: [flips(findModel(manifest, embedder, 'embedder'))],
      ...scoreProtocol(sets, embeddings, profiles),
    });
    console.error(`  ${detector} × ${embedder}: done`);
  }
  for (const names of fusions.filter((f) => f.every((n) => all.has(n)))) {
    const parts = names.map((n) => all.get(n) as Embeddings);
    const { weights } = fitWeights(parts, sets.train);
    const msPerFace = names.reduce((ms, n) => ms + (rows.find((r) => r.embedder === n)?.msPerFace ?? 0), 0);
    rows.push({
      detector,
      embedder: names.join('+'),
      weights,
      msPerFace,
      flips: names.map((n) => flips(findModel(manifest, n, 'embedder'))),
      ...scoreProtocol(sets, fuse(parts, weights), profiles),
    });
    console.error(`  ${detector} × ${names.join('+')}: done`);
  }
  return rows;
}

interface DetectionRow {
  detector: string;
  ap: number[];
  noFaceFaces: number;
  msPerImage: number;
}

async function detection(detector: string): Promise<DetectionRow> {
  const engine = await FaceEngine.load({ modelsDir, detector, allowUncalibrated: true });
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

/** Identification's gallery size and splits: the outside check enrols 300 held-out LFW people. */
const ENROLLED = 300;
const SPLITS = 10;
const MAX_FPIRS = [0.001, 0.01, 0.05];

interface IdentificationProtocol {
  name: string;
  options: Partial<SplitOptions>;
}

/** Scores tried against search's cosine on the training people (docs/evaluation.md: none kept). */
const SEARCH_VARIANTS: SearchVariant[] = [
  { kind: 'cosine' },
  { kind: 'centred', beta: 0.5 },
  { kind: 'centred', beta: 1 },
  { kind: 'margin', lambda: 0.2 },
  { kind: 'znorm', cohort: 50 },
  { kind: 'tnorm', cohort: 50 },
  { kind: 'snorm', cohort: 50 },
  { kind: 'snorm', cohort: 100 },
];

const EVERY_PHOTO: IdentificationProtocol = { name: 'every photo', options: {} };

/**
 * Search on `images`' people over seeded splits, decided by core's matcher with search's calibration:
 * rank 1, FNIR at a measured FPIR of 1 %, and FNIR, predicted and measured FPIR at search's rule.
 */
function identificationTables(
  images: readonly string[],
  faces: ReadonlyMap<string, MatchFace>,
  calibration: MatchCalibration,
  protocols: readonly IdentificationProtocol[],
): string[] {
  return protocols.map((protocol) => {
    const runs = seededSplits(images, SPLITS, { enrolled: ENROLLED, ...protocol.options }).map((split) => ({
      split,
      outcomes: searchSplit(split, faces, calibration),
    }));
    const faceCounts = runs.map((r) => r.split.gallery.filter((f) => faces.has(f)).length);
    const spread = (values: number[]) =>
      `${pct(mean(values))} (${pct(Math.min(...values))}–${pct(Math.max(...values))})`;
    const row = (label: string, thresholds: number[], predicted: string, rates: Rates[]) =>
      `| ${label} | ${fmt(mean(thresholds), 3)} | ${predicted} | ${spread(rates.map((r) => r.fpir))} | ${spread(rates.map((r) => r.fnir))} |`;
    const atFpir = runs.map((r) => fnirAtFpir(r.outcomes, 0.01));
    const rows = [
      row(
        'FPIR 1 % (set on the probes)',
        atFpir.map((r) => r.threshold),
        '–',
        atFpir,
      ),
      ...MAX_FPIRS.map((maxFpir) => {
        const thresholds = runs.map((_, i) =>
          searchThresholds(calibration, maxFpir, faceCounts[i] as number),
        );
        return row(
          `search, maxFpir ${maxFpir}`,
          thresholds.map((t) => t.frontal),
          pct(mean(thresholds.map((t, i) => predictedFpir(calibration, t.frontal, faceCounts[i] as number)))),
          runs.map((r, i) => ratesAt(r.outcomes, thresholds[i] as Record<Pose, number>)),
        );
      }),
    ];
    const first = runs[0]?.split;
    return [
      `**${protocol.name}**: ${fmt(mean(faceCounts), 0)} faces of ${ENROLLED} people enrolled, ${first?.mated.length} mated and ${first?.nonMated.length} non-mated probes per split; rank 1: **${spread(runs.map((r) => rankOneRate(r.outcomes)))} %**.`,
      '',
      '| decision | frontal threshold (mean) | predicted FPIR % | measured FPIR % | FNIR % |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  });
}

/**
 * `--identification`: 1:N search on LFW View 1 DevTest's people with the shipped embedder, its parts
 * embedded as verification embeds them and weighted as search weights them (fusing the parts with
 * search's weights gives the score searchProbe realises on the stored vectors). With `--calibrate`,
 * search's weights and curves are fitted on the training people instead (LFW DevTrain, CFP folds
 * 6–8), checked against DevTrain's own galleries and written to calibration.json.
 */
async function identification(): Promise<string> {
  const shipped = await FaceEngine.load({ modelsDir });
  const fusion = manifest.fusions.find((f) => f.name === DEFAULT_MODELS.embedder);
  const parts = fusion?.embedders ?? [{ name: DEFAULT_MODELS.embedder, weight: 1 }];
  const engines = await Promise.all(
    parts.map(({ name }) => FaceEngine.load({ modelsDir, embedder: name, allowUncalibrated: true })),
  );
  if (args.calibrate) return calibrateSearch(engines, parts);
  const images = sets.lfwTestImages;
  console.error(`identification: ${images.length} LFW DevTest images`);
  const embedded = await embedAll(engines, images);
  const weights = shipped.search.parts.map((p) => p.search);
  const faces = poseFaces(fuse(embedded.embeddings, weights), embedded.profiles);
  const tables = identificationTables(images, faces, shipped.search.calibration, [
    EVERY_PHOTO,
    { name: 'the outside check (300 mated + 400 non-mated probes)', options: { mated: 300, nonMated: 400 } },
    {
      name: 'two gallery photos where a person has three or more (every photo)',
      options: { galleryPhotos: 2 },
    },
  ]);
  return [
    `LFW View 1 DevTest (${images.length} photos of ${new Set(images.map(personOf)).size} people, none in the training data), ${SPLITS} seeded splits: ${ENROLLED} people drawn among those with two photos or more are enrolled (one photo each unless said); their other photos are mated probes, every photo of the others a non-mated probe. Search's score: ${parts.map((p, i) => `${fmt(weights[i] as number)} × ${p.name}`).join(' + ')} cosines. A search matches when a gallery face reaches its threshold (FNIR: the mate is not at rank 1 or does not reach it; FPIR: a non-mated probe matches anyone). Mean (min–max) over the splits. Predicted FPIR: 1 − (1 − far(t))^N from search's frontal curve.`,
    '',
    ...tables.flatMap((t) => [t, '']),
  ].join('\n');
}

/** `--identification --calibrate`: search's weights and curves from the training people only. */
async function calibrateSearch(
  engines: FaceEngine[],
  parts: { name: string; weight: number }[],
): Promise<string> {
  const lfwTrain = imagesOf(take(lfwPairs(DATA, 'DevTrain')));
  const cfpTrain = imagesOf(take(cfp.filter((p) => p.fold <= 8)));
  console.error(`search calibration: ${lfwTrain.length} LFW DevTrain + ${cfpTrain.length} CFP images`);
  const embedded = await embedAll(engines, [...lfwTrain, ...cfpTrain]);
  const { best, trials } = fitSearchWeights(embedded.embeddings, embedded.profiles, lfwTrain, {
    enrolled: ENROLLED,
    splits: SPLITS,
  });
  const fused = fuse(embedded.embeddings, best.weights);
  const curves = searchCurves([lfwTrain, cfpTrain], fused, embedded.profiles);
  const point = (p: FarPoint) => ({
    similarity: Number(p.similarity.toFixed(5)),
    far: Number(p.far.toPrecision(3)),
  });
  const search: SearchCalibration = {
    weights: best.weights,
    far: curves.frontal.map(point),
    ...(curves.profile.length && { profile: { far: curves.profile.map(point) } }),
    fittedOn: `weights at the lowest FNIR at FPIR 1 % on LFW View 1 DevTrain (${ENROLLED} people enrolled, ${SPLITS} seeded splits); false-accept curves from the ${curves.pairs.frontal} frontal and ${curves.pairs.profile} profile cross-person pairs within LFW DevTrain's ${lfwTrain.length} images and within CFP folds 6–8's ${cfpTrain.length} (none across the two), below ${SEARCH_TAIL.anchor.toExponential()} an ${SEARCH_TAIL.model} tail fitted from ${SEARCH_TAIL.fitFrom.toExponential()}`,
  };
  const name = parts.map((p) => p.name).join('+');
  const file = await readCalibration();
  const entry = file.fusions[name];
  if (!entry) throw new Error(`calibration.json has no fusion ${name} to add search's calibration to`);
  file.fusions[name] = { ...entry, search };
  await writeFile(CALIBRATION_FILE, `${JSON.stringify(file, null, 2)}\n`);
  console.error(`wrote ${CALIBRATION_FILE}; run npm run build:models to put it in the manifest`);
  const [check] = identificationTables(
    lfwTrain,
    poseFaces(fused, embedded.profiles),
    searchCalibration(search),
    [EVERY_PHOTO],
  );
  const variants = variantTrials(lfwTrain, fused, SEARCH_VARIANTS, { enrolled: ENROLLED, splits: SPLITS });
  return [
    `Search's weights on LFW View 1 DevTrain (${lfwTrain.length} photos), ${ENROLLED} people enrolled, ${SPLITS} seeded splits (mean):`,
    '',
    `| ${parts.map((p) => `${p.name} weight`).join(' | ')} | rank 1 % | FNIR at FPIR 1 % |`,
    `|${parts.map(() => '---').join('|')}|---|---|`,
    ...trials.map(
      (t) =>
        `| ${t.weights.map((w) => (t === best ? `**${fmt(w)}**` : fmt(w))).join(' | ')} | ${pct(t.rankOne)} | ${pct(t.fnirAtFpir1)} |`,
    ),
    '',
    `Other scores at those weights, on the same splits (mean; the Z/T/S-norms' cohort is the collection itself, the centring's mean that of DevTrain's photos):`,
    '',
    '| score | rank 1 % | FNIR at FPIR 1 % |',
    '|---|---|---|',
    ...variants.map(
      ({ variant, outcomes }) =>
        `| ${variantName(variant)} | ${pct(mean(outcomes.map(rankOneRate)))} | ${pct(mean(outcomes.map((o) => fnirAtFpir(o, 0.01).fnir)))} |`,
    ),
    '',
    `Predicted against measured FPIR on DevTrain's own galleries (the curve's own people, so in-sample):`,
    '',
    check,
  ].join('\n');
}

if (args.identification) {
  console.log(`## Identification\n\n${await identification()}`);
  process.exit(0);
}

const verificationRows: VerificationRow[] = [];
const detectionRows: DetectionRow[] = [];
for (const detector of detectors) {
  if (!args['skip-verification']) {
    console.error(`${detector}: verification on ${files.length} images`);
    verificationRows.push(...(await verification(detector)));
  }
  if (!args['skip-detection']) {
    console.error(`${detector}: detection`);
    detectionRows.push(await detection(detector));
  }
}

const verificationTable = [
  `Fitted on LFW View 1 DevTrain and CFP folds 6–8 (${sets.train.length} pairs: the threshold at the best accuracy, fusion weights at the best AUC); reported at that threshold on LFW DevTest (${sets.lfwTest.length} pairs), CFP folds 9–10 (${sets.cfpTest.length} frontal–profile pairs) and the deepface pairs (${sets.deepface.length}). TAR at FAR 1e-4: DevTest's same-person pairs against every pair of its images of different people. A pair with an image where no face was found counts as wrong.`,
  '',
  '| detector | embedder (weights) | train acc % | train AUC | thresholds frontal / profile | **LFW DevTest acc %** | TAR @ 1e-3 % | TAR @ 1e-4 % | **CFP 9–10 acc %** | CFP TAR @ 1e-2 % | deepface acc % | images without a face | ms / face (align+embed) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...verificationRows.map(
    (r) =>
      `| ${r.detector} | ${r.embedder}${r.weights ? ` (${r.weights.map((w) => w.toFixed(2)).join(' / ')})` : ''} | ${pct(r.trainAccuracy)} | ${fmt(r.trainAuc, 4)} | ${fmt(r.thresholds.frontal, 4)} / ${fmt(r.thresholds.profile, 4)} | **${pct(r.lfwTest)}** | ${pct(r.lfwTar3)} | ${pct(r.lfwTar4)} | **${pct(r.cfpTest)}** | ${pct(r.cfpTar2)} | ${pct(r.deepface)} | ${r.missed} | ${fmt(r.msPerFace, 1)} |`,
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

const report = `## Verification\n\n${verificationTable}\n\n## Detection\n\n${detectionTable}\n`;
console.log(report);

if (args.calibrate) {
  const fittedOn = (r: VerificationRow) =>
    `LFW View 1 DevTrain + CFP folds 6–8 (${sets.train.length} pairs; false-accept curve from the cross-person pairs of their ${sets.trainImages.length} images, below ${FAR_TAIL.anchor} a${FAR_TAIL.model === 'exponential' ? 'n' : ''} ${FAR_TAIL.model} tail fitted from ${FAR_TAIL.fitFrom} to ${FAR_TAIL.anchor}), detector ${r.detector}, flip test-time augmentation ${r.embedder
      .split('+')
      .map((name, i) => `${r.flips[i] ? 'on' : 'off'} for ${name}`)
      .join(', ')}`;
  const curve = (points: FarPoint[]) =>
    points.map((p) => ({ similarity: Number(p.similarity.toFixed(5)), far: Number(p.far.toPrecision(3)) }));
  const calibration = (r: VerificationRow): Calibration => ({
    threshold: Number(r.thresholds.frontal.toFixed(4)),
    far: curve(r.far.frontal),
    profile: { threshold: Number(r.thresholds.profile.toFixed(4)), far: curve(r.far.profile) },
    fittedOn: fittedOn(r),
    trainAccuracy: Number(r.trainAccuracy.toFixed(4)),
  });
  const shipped = verificationRows.filter((r) => r.detector === DEFAULT_MODELS.detector);
  // Embedders and fusions not evaluated in this run keep their earlier calibration.
  const previous = await readCalibration();
  const file: CalibrationFile = {
    embedders: {
      ...previous.embedders,
      ...Object.fromEntries(shipped.filter((r) => !r.weights).map((r) => [r.embedder, calibration(r)])),
    },
    fusions: {
      ...previous.fusions,
      ...Object.fromEntries(
        shipped
          .filter((r) => r.weights)
          .map((r) => [
            r.embedder,
            {
              // Search's own calibration (--identification --calibrate) does not depend on verify's weights.
              ...previous.fusions[r.embedder],
              embedders: r.embedder.split('+').map((name, i) => ({ name, weight: r.weights?.[i] as number })),
              calibration: calibration(r),
            },
          ]),
      ),
    },
  };
  await writeFile(CALIBRATION_FILE, `${JSON.stringify(file, null, 2)}\n`);
  console.error(`wrote ${CALIBRATION_FILE}; run npm run build:models to put it in the manifest`);
}

if (args['write-docs']) {
  // Sections other runs own (e.g. `--quality`'s) survive the rewrite.
  const kept = markedSections(await readFile(join(ROOT, 'docs', 'evaluation.md'), 'utf8')).join('\n\n');
  const doc = `# Evaluation\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on the shared data (see its README). Shipped default: detector \`${DEFAULT_MODELS.detector}\`, landmarks \`${DEFAULT_MODELS.landmarks}\`, embedder \`${DEFAULT_MODELS.embedder}\`.\n\n${report}${kept ? `\n${kept}\n` : ''}`;
  await writeFile(join(ROOT, 'docs', 'evaluation.md'), doc);
}
