/**
 * Builds every catalogued model into `layers/models/build/` with a manifest.json.
 * Deterministic: the same packages give the same bytes, so the manifest's sha256 are stable.
 * Usage: tsx layers/models/src/build.ts [--out DIR] [name...]
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { QualityModel } from '../../../functions/core/face-quality.ts';
import type { Calibration, Fusion, Manifest, ManifestEntry } from '../../../functions/core/manifest.ts';
import { CATALOG, packageVersion } from './catalog.ts';

const MODELS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_BUILD_DIR = join(MODELS_ROOT, 'build');
/** Thresholds and false-accept curves fitted by `npm run eval -- --calibrate`, committed beside the converter. */
export const CALIBRATION_FILE = join(MODELS_ROOT, 'calibration.json');

/** calibration.json: per embedder, and per fusion of embedders. */
export interface CalibrationFile {
  embedders: Record<string, Calibration>;
  fusions: Record<string, Omit<Fusion, 'name'>>;
}

/** The face quality model fitted by `npm run eval -- --quality --calibrate`, committed beside calibration.json. */
export const QUALITY_FILE = join(MODELS_ROOT, 'quality.json');

export async function readQualityModel(file = QUALITY_FILE): Promise<QualityModel | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as QualityModel;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readCalibration(file = CALIBRATION_FILE): Promise<CalibrationFile> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CalibrationFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { embedders: {}, fusions: {} };
    throw error;
  }
}

export async function buildModels(outDir: string, names: string[] = []): Promise<Manifest> {
  const wanted = names.length ? CATALOG.filter((m) => names.includes(m.name)) : CATALOG;
  const { embedders: calibration, fusions } = await readCalibration();
  const quality = await readQualityModel();
  await mkdir(outDir, { recursive: true });
  const models: ManifestEntry[] = [];
  for (const entry of wanted) {
    const started = performance.now();
    const bytes = await entry.build();
    const file = `${entry.name}.onnx`;
    await writeFile(join(outDir, file), bytes);
    const { build: _build, source, ...spec } = entry;
    models.push({
      ...spec,
      file,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      source: { ...source, version: packageVersion(source.package) },
      ...(calibration[entry.name] ? { calibration: calibration[entry.name] } : {}),
    });
    const ms = (performance.now() - started).toFixed(0);
    console.log(`built ${file} (${(bytes.length / 1e6).toFixed(1)} MB, ${ms} ms)`);
  }
  const built = new Set(models.map((m) => m.name));
  const manifest: Manifest = {
    models,
    // A fusion is only usable where every one of its embedders is built.
    fusions: Object.entries(fusions)
      .filter(([, f]) => f.embedders.every((e) => built.has(e.name)))
      .map(([name, f]) => ({ name, ...f })),
    ...(quality ? { quality } : {}),
  };
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string', default: DEFAULT_BUILD_DIR } },
    allowPositionals: true,
  });
  await buildModels(values.out, positionals);
}
