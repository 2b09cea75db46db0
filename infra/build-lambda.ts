/**
 * `npm run build:lambda`: writes exactly the folder the Lambda image copies (dist/lambda):
 *
 *   <handler>.mjs(.map)  one ESM bundle per FUNCTIONS entry, native packages left external
 *   engine-worker.mjs    the engine pool's worker thread, which the model-loading handlers start
 *   node_modules/        onnxruntime-node and sharp with their runtime dependencies, TARGET binaries only
 *   models/              the built ONNX models and their manifest.json
 *   Dockerfile           infra/Dockerfile, so the folder is the complete Docker build context
 *
 * Usage: tsx infra/build-lambda.ts [--out <dir>]
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { mebibytes } from '../functions/core/image-size.ts';
import { BUNDLE, FUNCTIONS, type FunctionSpec, TARGET } from './functions.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCKERFILE = fileURLToPath(new URL('Dockerfile', import.meta.url));

/**
 * The folder's budget, and so the image's on top of the AWS base image: onnxruntime (≈45 MB) and sharp
 * (≈19 MB) for linux-x64, ≈100 MB of models, a few MB of bundles. Past it, pushes and cold starts grow,
 * so the build fails rather than ship it.
 */
export const SIZE_BUDGET_BYTES = 200 * 1024 * 1024;
const MODEL_MANIFEST = 'manifest.json';

/** What only `npm install` uses: onnxruntime-node's script fetches GPU providers, sharp's builds from source. */
const INSTALL_ONLY: Readonly<
  Record<string, { dependencies: readonly string[]; folders: readonly string[] }>
> = {
  'onnxruntime-node': { dependencies: ['adm-zip', 'global-agent'], folders: ['script'] },
  sharp: { dependencies: [], folders: ['install', 'src'] },
};

/** Files node never loads at run time: docs, types, sources, source maps of dependencies. */
const NOT_RUNTIME_FILE = /(\.md|\.markdown|\.map|\.d\.[cm]?ts|\.ts|\.cc|\.cpp|\.c|\.h|\.hpp|\.gyp|\.gypi)$/i;
/** GPU execution providers: Lambda has no GPU. */
const GPU_PROVIDER = /libonnxruntime_providers_(cuda|tensorrt|rocm|migraphx|dml)/;
/** Per-platform native folders, e.g. onnxruntime-node's bin/napi-v6/<platform>/<arch>/. */
const PLATFORM_DIR = /^bin\/napi-v\d+\/([^/]+)\/([^/]+)(\/|$)/;

export interface BuildLambdaOptions {
  /** Repository root: handler entries, models and node_modules are found from it. */
  readonly root?: string;
  /** Output folder, emptied first. */
  readonly outDir?: string;
  readonly handlers?: Readonly<Record<string, FunctionSpec>>;
  readonly modelsDir?: string;
}

export interface BuildLambdaResult {
  readonly outDir: string;
  readonly bytes: number;
  readonly bundles: readonly string[];
  readonly packages: readonly string[];
  readonly models: readonly string[];
}

export class BuildLambdaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildLambdaError';
  }
}

export async function buildLambda(options: BuildLambdaOptions = {}): Promise<BuildLambdaResult> {
  const root = options.root ?? REPO_ROOT;
  const outDir = resolve(options.outDir ?? join(root, 'dist', 'lambda'));
  const handlers = options.handlers ?? FUNCTIONS;
  const modelsDir = options.modelsDir ?? join(root, 'layers', 'models', 'build');

  if (!relative(outDir, root).startsWith('..')) {
    throw new BuildLambdaError(`Refusing to empty ${outDir}: it holds the repository.`);
  }
  await assertEntriesExist(root, handlers);
  const models = await listModels(modelsDir);
  const packages = await runtimePackages(root, BUNDLE.nativePackages);

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const bundles = await bundleHandlers(
    root,
    outDir,
    handlers,
    packages.map((pkg) => pkg.name),
  );
  for (const pkg of packages) await copyPackage(pkg, join(outDir, 'node_modules', pkg.name));
  await mkdir(join(outDir, BUNDLE.modelsDir));
  for (const model of models) await cp(join(modelsDir, model), join(outDir, BUNDLE.modelsDir, model));

  const bytes = await folderSize(outDir);
  if (bytes > SIZE_BUDGET_BYTES) {
    throw new BuildLambdaError(
      `${relative(root, outDir)} is ${mebibytes(bytes)}, over its ${mebibytes(SIZE_BUDGET_BYTES)} budget: ` +
        'trim a native package or shrink a model before raising SIZE_BUDGET_BYTES.',
    );
  }
  // Last: a Dockerfile in the folder is how the CDK app knows the build finished.
  await cp(DOCKERFILE, join(outDir, 'Dockerfile'));
  return {
    outDir,
    bytes: await folderSize(outDir),
    bundles,
    packages: packages.map((pkg) => pkg.name),
    models,
  };
}

export async function assertEntriesExist(
  root: string,
  handlers: Readonly<Record<string, FunctionSpec>>,
): Promise<void> {
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(handlers)) {
    if (!(await exists(resolve(root, spec.entry)))) missing.push(`  ${name}: ${spec.entry}`);
  }
  if (missing.length > 0) {
    throw new BuildLambdaError(
      `Missing handler entry points (each must export \`handler\`):\n${missing.join('\n')}\n` +
        'Write them, or update FUNCTIONS in infra/functions.ts if they moved.',
    );
  }
}

/** What build-lambda reads of the models' manifest.json (written by `npm run build:models`). */
interface ModelManifest {
  models: { name: string; file: string; bytes?: number; sha256?: string }[];
}

/** The manifest's model files, checked against the sizes and digests it records. */
async function listModels(modelsDir: string): Promise<string[]> {
  const manifestPath = join(modelsDir, MODEL_MANIFEST);
  if (!(await exists(manifestPath))) {
    throw new BuildLambdaError(`No ${manifestPath}: run \`npm run build:models\`.`);
  }
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelManifest;
  if (!Array.isArray(manifest.models) || manifest.models.length === 0) {
    throw new BuildLambdaError(`${manifestPath} lists no models: run \`npm run build:models\`.`);
  }
  for (const model of manifest.models) {
    const path = join(modelsDir, model.file);
    const content = await readFile(path).catch(() => undefined);
    const stale =
      !content ||
      (model.bytes !== undefined && content.length !== model.bytes) ||
      (model.sha256 !== undefined && createHash('sha256').update(content).digest('hex') !== model.sha256);
    if (stale) {
      throw new BuildLambdaError(
        `${path} is missing or differs from ${MODEL_MANIFEST}: run \`npm run build:models\`.`,
      );
    }
  }
  return [MODEL_MANIFEST, ...manifest.models.map((model) => model.file)];
}

async function bundleHandlers(
  root: string,
  outDir: string,
  handlers: Readonly<Record<string, FunctionSpec>>,
  external: readonly string[],
): Promise<string[]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      ...Object.fromEntries(Object.entries(handlers).map(([name, spec]) => [name, spec.entry])),
      [BUNDLE.engineWorker.name]: BUNDLE.engineWorker.entry,
    },
    outdir: outDir,
    outExtension: { '.js': BUNDLE.extension },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET.node,
    external: [...external],
    // Bundled CommonJS dependencies call require() for Node built-ins; ESM has none of its own.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  assertOnlyKnownExternals(result.metafile, external);
  return Object.keys(result.metafile.outputs)
    .filter((file) => file.endsWith(BUNDLE.extension))
    .map((file) => relative(outDir, resolve(root, file)))
    .sort();
}

/** An import esbuild left external that the folder does not ship would fail only in Lambda. */
function assertOnlyKnownExternals(metafile: Metafile, shipped: readonly string[]): void {
  const unknown = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      const shippedPackage = shipped.some((name) => path === name || path.startsWith(`${name}/`));
      if (external && !isBuiltin(path) && !shippedPackage) unknown.add(path);
    }
  }
  if (unknown.size > 0) {
    throw new BuildLambdaError(`Bundles import modules the image does not ship: ${[...unknown].join(', ')}`);
  }
}

interface RuntimePackage {
  readonly name: string;
  readonly dir: string;
}

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** The native packages and everything they load at run time, for TARGET only. */
export async function runtimePackages(root: string, roots: readonly string[]): Promise<RuntimePackage[]> {
  const found = new Map<string, RuntimePackage>();
  const visit = async (name: string, from: string, optional: boolean): Promise<void> => {
    const dir = await locatePackage(name, from);
    const seen = found.get(name);
    if (seen && dir && seen.dir !== dir) {
      throw new BuildLambdaError(
        `Two copies of ${name} (${seen.dir}, ${dir}): the image's node_modules is flat.`,
      );
    }
    if (seen) return;
    if (!dir) {
      if (optional) return;
      throw new BuildLambdaError(`Package ${name} is not installed (needed from ${from}): run \`npm ci\`.`);
    }
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    if (!matchesTarget(pkg)) return;
    found.set(name, { name, dir });
    const skip = INSTALL_ONLY[name]?.dependencies ?? [];
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (!skip.includes(dep)) await visit(dep, dir, false);
    }
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) await visit(dep, dir, true);
  };
  for (const name of roots) await visit(name, root, false);
  // npm installs only the host's optional binary, so building for another TARGET needs it added.
  const sharpBinary = `@img/sharp-${TARGET.platform}-${TARGET.arch}`;
  if (roots.includes('sharp') && !found.has(sharpBinary)) {
    throw new BuildLambdaError(
      `${sharpBinary} is not installed, so sharp cannot load on ${TARGET.platform}-${TARGET.arch}: ` +
        `add it with \`npm install --no-save --os=${TARGET.platform} --cpu=${TARGET.arch} sharp\`.`,
    );
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Node's own lookup: node_modules/<name> in the requiring package's folder, then each parent. */
async function locatePackage(name: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (await exists(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function matchesTarget(pkg: PackageJson): boolean {
  const allows = (list: string[] | undefined, value: string) =>
    !list || list.includes(value) || (list.some((v) => v.startsWith('!')) && !list.includes(`!${value}`));
  return allows(pkg.os, TARGET.platform) && allows(pkg.cpu, TARGET.arch) && allows(pkg.libc, TARGET.libc);
}

async function copyPackage(pkg: RuntimePackage, to: string): Promise<void> {
  const skipped = ['node_modules', ...(INSTALL_ONLY[pkg.name]?.folders ?? [])]; // nested packages are visited
  await cp(pkg.dir, to, {
    recursive: true,
    filter: (source) => {
      const path = relative(pkg.dir, source).split(sep).join('/');
      if (skipped.some((folder) => path === folder || path.startsWith(`${folder}/`))) return false;
      if (NOT_RUNTIME_FILE.test(path) || GPU_PROVIDER.test(path)) return false;
      const platformDir = PLATFORM_DIR.exec(path);
      return !platformDir || (platformDir[1] === TARGET.platform && platformDir[2] === TARGET.arch);
    },
  });
}

export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<void> {
  const outFlag = process.argv.indexOf('--out');
  const outDir = outFlag >= 0 ? process.argv[outFlag + 1] : undefined;
  const result = await buildLambda(outDir ? { outDir } : {});
  console.log(
    `${relative(process.cwd(), result.outDir) || '.'}: ${mebibytes(result.bytes)} of ${mebibytes(SIZE_BUDGET_BYTES)}`,
  );
  console.log(`  bundles:  ${result.bundles.join(', ')}`);
  console.log(`  packages: ${result.packages.join(', ')}`);
  console.log(`  models:   ${result.models.join(', ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof BuildLambdaError ? error.message : error);
    process.exitCode = 1;
  });
}
