/**
 * Builds the page into web/dist: src/main.ts bundled by esbuild into app.js (and the sign-in code into a
 * chunk that only `auth: "jwt"` loads), the static files copied, and
 * the sample photos (face-api's demo images, MIT) copied from node_modules with small thumbnails.
 * config.json is never written here: the deploy writes it, and locally the API is the same origin.
 *
 *   npm run build:web            # once
 *   npm run build:web -- --watch # rebuild app.js on change
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import sharp from 'sharp';

const WEB = dirname(fileURLToPath(import.meta.url));
export const DIST = join(WEB, 'dist');
const STATIC_FILES = ['index.html', 'styles.css', 'favicon.svg'];
const SAMPLE_COUNT = 6;
const THUMB_WIDTH = 144;

function samplesDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
}

const bundleOptions: esbuild.BuildOptions = {
  entryPoints: { app: join(WEB, 'src', 'main.ts') },
  outdir: DIST,
  // Sign-in (oauth4webapi) is a chunk of its own, loaded only by a deployment that asks for it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years: createImageBitmap's imageOrientation, ResizeObserver, ES2020.
  target: ['es2020', 'chrome100', 'firefox100', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};

async function copySamples(): Promise<void> {
  const from = samplesDirectory();
  const to = join(DIST, 'samples');
  await mkdir(to, { recursive: true });
  const licence = join(dirname(from), 'LICENSE');
  await copyFile(licence, join(to, 'LICENSE-face-api.txt'));
  for (let i = 1; i <= SAMPLE_COUNT; i++) {
    const photo = join(from, `sample${i}.jpg`);
    await copyFile(photo, join(to, `sample${i}.jpg`));
    await sharp(photo)
      .resize({ width: THUMB_WIDTH })
      .jpeg({ quality: 75 })
      .toFile(join(to, `sample${i}.thumb.jpg`));
  }
}

/**
 * Writes over web/dist in place rather than deleting it first, so a running local server (or a test
 * reading the page meanwhile) never finds the folder missing.
 */
export async function buildWeb(): Promise<void> {
  await mkdir(DIST, { recursive: true });
  // Chunk names carry a hash: drop the previous build's, which nothing loads any more.
  await rm(join(DIST, 'chunks'), { recursive: true, force: true });
  await esbuild.build(bundleOptions);
  for (const file of STATIC_FILES) await copyFile(join(WEB, file), join(DIST, file));
  await copySamples();
}

async function watch(): Promise<void> {
  await buildWeb();
  const context = await esbuild.context(bundleOptions);
  await context.watch();
  console.log('web: watching src/ (static files are copied on start only)');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--watch')) await watch();
  else {
    await buildWeb();
    const size = (await readFile(join(DIST, 'app.js'))).length;
    console.log(`web: built ${DIST} (app.js ${(size / 1024).toFixed(1)} KiB)`);
  }
}
