/**
 * `npm ci`'s model step: runs build.ts only when `layers/models/build/` does not already hold what the
 * current inputs give, so a reinstall of an unchanged checkout does not convert ~100 MB again.
 *
 * The inputs are every source file build.ts imports (found by esbuild, so a new converter file counts
 * without a list to keep), `calibration.json` and `quality.json`, which it reads, and `package-lock.json`, which pins the
 * packages the weights and the conversion libraries come from. After a full build, `build-stamp.json`
 * records their sha256 and the manifest's; the build is current when both match and every file the
 * manifest lists has its sha256. The build is deterministic, so skipping it changes no byte.
 *
 *   tsx layers/models/src/ensure-built.ts           # build if stale (postinstall)
 *   tsx layers/models/src/ensure-built.ts --force   # always build (npm run build:models)
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const SRC = dirname(fileURLToPath(import.meta.url));
const MODELS_ROOT = join(SRC, '..');
const REPO_ROOT = join(MODELS_ROOT, '..', '..');
/** build.ts's DEFAULT_BUILD_DIR, repeated so that checking a current build does not load the converters. */
export const BUILD_DIR = join(MODELS_ROOT, 'build');
export const STAMP_FILE = 'build-stamp.json';

export interface Stamp {
  /** sha256 over the inputs' paths and bytes (inputsHash). */
  inputs: string;
  /** sha256 of the manifest.json the build wrote. */
  manifest: string;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The files the build's output depends on, absolute and sorted. */
export async function inputFiles(): Promise<string[]> {
  const result = await esbuild.build({
    entryPoints: [join(SRC, 'build.ts')],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const sources = Object.keys(result.metafile.inputs).map((file) => resolve(REPO_ROOT, file));
  return [
    ...sources,
    join(MODELS_ROOT, 'calibration.json'),
    join(MODELS_ROOT, 'quality.json'),
    join(REPO_ROOT, 'package-lock.json'),
  ].sort();
}

/** One sha256 over the files' paths (relative to the repository) and contents; a missing file counts as such. */
export async function inputsHash(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = await readFile(file).catch(() => null);
    hash.update(`${relative(REPO_ROOT, file)}\0${bytes ? sha256(bytes) : 'missing'}\n`);
  }
  return hash.digest('hex');
}

/** Why the build in `dir` is not the one `inputs` give, or null when it is. */
export async function staleness(dir: string, inputs: string): Promise<string | null> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return `no ${STAMP_FILE}`;
  }
  if (stamp.inputs !== inputs)
    return 'the converter, calibration.json, quality.json or package-lock.json changed';
  const manifest = await readFile(join(dir, 'manifest.json')).catch(() => null);
  if (!manifest || sha256(manifest) !== stamp.manifest) return 'manifest.json changed since the last build';
  const { models } = JSON.parse(manifest.toString('utf8')) as { models: { file: string; sha256: string }[] };
  for (const model of models) {
    const bytes = await readFile(join(dir, model.file)).catch(() => null);
    if (bytes && sha256(bytes) === model.sha256) continue;
    return `${model.file} is missing or differs from manifest.json`;
  }
  return null;
}

/** Builds every model into `dir` unless it is current (or `force`); true when it built. */
export async function ensureBuilt(dir = BUILD_DIR, { force = false } = {}): Promise<boolean> {
  const inputs = await inputsHash(await inputFiles());
  const reason = force ? '--force' : await staleness(dir, inputs);
  if (reason === null) {
    console.log(
      `models: ${relative(process.cwd(), dir) || '.'} is current, not rebuilt (npm run build:models forces it)`,
    );
    return false;
  }
  console.log(`models: building (${reason})`);
  // No stamp while the files change: an interrupted build is never taken for a current one.
  await rm(join(dir, STAMP_FILE), { force: true });
  const { buildModels } = await import('./build.ts');
  await buildModels(dir);
  const stamp: Stamp = { inputs, manifest: sha256(await readFile(join(dir, 'manifest.json'))) };
  await writeFile(join(dir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  await ensureBuilt(BUILD_DIR, { force: values.force });
}
