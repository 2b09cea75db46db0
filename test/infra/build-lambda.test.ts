/**
 * build-lambda.ts with a stand-in handler that loads both native modules and the AWS SDK, so the
 * folder's layout and its trimmed node_modules are checked before the real handlers exist.
 * The folder is written outside the repository: there, Node cannot fall back on the checkout's
 * node_modules, exactly as in the image.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BuildLambdaError,
  type BuildLambdaResult,
  buildLambda,
  folderSize,
  SIZE_BUDGET_BYTES,
} from '../../infra/build-lambda.ts';
import { TARGET } from '../../infra/functions.ts';
import { invokeBundle, lambdaEnvironment } from './bundle-runner.ts';
import { scratchDir } from './helpers.ts';

const STUB = {
  entry: new URL('fixtures/stub-handler.ts', import.meta.url).pathname,
  memoryMiB: 512,
  timeoutSeconds: 5,
};
const tempDir = () => scratchDir('faceverify-lambda-');

/** A models folder whose manifest matches its one (fake) model. */
function fakeModels(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'tiny.onnx'), 'not really a model');
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ models: [{ name: 'tiny', file: 'tiny.onnx', bytes: 18 }] }),
  );
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('buildLambda', () => {
  it('names every missing handler entry and where the list lives', async () => {
    const build = buildLambda({
      outDir: tempDir(),
      modelsDir: fakeModels(),
      handlers: {
        detect: { ...STUB, entry: 'functions/handlers/no-such-detect.ts' },
        stub: STUB,
        drop: { ...STUB, entry: 'functions/handlers/no-such-drop.ts' },
      },
    });
    await expect(build).rejects.toThrow(BuildLambdaError);
    await expect(build).rejects.toThrow(
      /detect: functions\/handlers\/no-such-detect\.ts\n {2}drop: functions\/handlers\/no-such-drop\.ts[\s\S]*infra\/functions\.ts/,
    );
  });

  it('refuses models that are missing or differ from their manifest', async () => {
    const empty = tempDir();
    await expect(
      buildLambda({ outDir: tempDir(), modelsDir: empty, handlers: { stub: STUB } }),
    ).rejects.toThrow(/npm run build:models/);
    const stale = fakeModels();
    writeFileSync(join(stale, 'tiny.onnx'), 'a different model');
    await expect(
      buildLambda({ outDir: tempDir(), modelsDir: stale, handlers: { stub: STUB } }),
    ).rejects.toThrow(/tiny\.onnx is missing or differs from manifest\.json/);
  });

  describe('with a stand-in handler', () => {
    let built: BuildLambdaResult;
    let files: string[];
    beforeAll(async () => {
      built = await buildLambda({ outDir: tempDir(), modelsDir: fakeModels(), handlers: { stub: STUB } });
      files = filesUnder(built.outDir);
    });

    it('writes the bundle, the models, the Dockerfile and the native packages, nothing else', () => {
      const topLevel = new Set(files.map((file) => file.split('/')[0]));
      // The engine pool's worker rides along with every build: the model-loading handlers start it.
      expect([...topLevel].sort()).toEqual([
        'Dockerfile',
        'engine-worker.mjs',
        'engine-worker.mjs.map',
        'models',
        'node_modules',
        'stub.mjs',
        'stub.mjs.map',
      ]);
      expect(built.models).toEqual(['manifest.json', 'tiny.onnx']);
      expect(built.packages).toEqual([
        '@img/colour',
        `@img/sharp-libvips-${TARGET.platform}-${TARGET.arch}`,
        `@img/sharp-${TARGET.platform}-${TARGET.arch}`,
        'detect-libc',
        'onnxruntime-common',
        'onnxruntime-node',
        'semver',
        'sharp',
      ]);
    });

    it(`keeps only ${TARGET.platform}-${TARGET.arch} native code and no install-time files`, () => {
      const native = files.filter((file) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(file));
      expect(native.length).toBeGreaterThan(0);
      for (const file of native) expect(file).toMatch(new RegExp(`${TARGET.platform}[-/]${TARGET.arch}`));
      for (const file of files)
        expect(file).not.toMatch(/\.(md|d\.[cm]?ts|ts|cc|h)$|\/(script|install|src)\//);
      expect(files.some((file) => file.includes('adm-zip') || file.includes('global-agent'))).toBe(false);
    });

    it('leaves the native packages out of the bundle', () => {
      const bundle = readFileSync(join(built.outDir, 'stub.mjs'), 'utf8');
      expect(bundle).toMatch(/from\s*"onnxruntime-node"/);
      expect(bundle).toMatch(/from\s*"sharp"/);
    });

    it('holds every path the Dockerfile copies', () => {
      const dockerfile = readFileSync(join(built.outDir, 'Dockerfile'), 'utf8');
      const sources = dockerfile
        .split('\n')
        .filter((line) => line.startsWith('COPY '))
        .flatMap((line) => line.split(/\s+/).slice(1, -1));
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        const matches = source.includes('*')
          ? files.filter((file) =>
              new RegExp(`^${source.replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`).test(file),
            )
          : [source.replace(/\/$/, '')].filter((path) => existsSync(join(built.outDir, path)));
        expect(matches.length, `COPY ${source}`).toBeGreaterThan(0);
      }
    });

    it('stays within its size budget', async () => {
      expect(await folderSize(built.outDir)).toBe(built.bytes);
      expect(built.bytes).toBeLessThan(SIZE_BUDGET_BYTES);
      console.log(
        `build-lambda (stand-in handler, fake model): ${(built.bytes / 1024 / 1024).toFixed(1)} MiB`,
      );
    });

    it('starts with plain node from the folder alone and loads sharp, onnxruntime and the AWS SDK', async () => {
      const { result } = await invokeBundle<{ statusCode: number; body: string }>(
        join(built.outDir, 'stub.mjs'),
        new URL('../fixtures/events/http-api-v2-get-health.json', import.meta.url).pathname,
        lambdaEnvironment(built.outDir),
      );
      expect(result.statusCode).toBe(200);
      const body = JSON.parse(result.body);
      expect(body).toMatchObject({ path: '/health', s3: 'function' });
      expect(body.bytes).toBeGreaterThan(100); // a JPEG from sharp
      expect(body.backends).toContainEqual({ name: 'cpu', bundled: true });
    });
  });
});
