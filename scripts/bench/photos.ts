/**
 * The bench's photos: face-api's demo photos ship in an npm package, so every clone has them. The
 * ~640 px versions are made in memory at start, the same way each run.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** face-api's package folder (its demo photos and its models). */
export const FACE_API_DIR = dirname(dirname(require.resolve('@vladmandic/face-api')));

/** Two different photos of real people, 1920 × 1280 and 1920 × 1367. */
export const LARGE_PHOTOS = [
  join(FACE_API_DIR, 'demo', 'sample1.jpg'),
  join(FACE_API_DIR, 'demo', 'sample2.jpg'),
];

export const SMALL_WIDTH = 640;

export interface Photo {
  name: string;
  bytes: Uint8Array;
  width: number;
  height: number;
}

export interface PhotoSet {
  /** ~1920 px, the verify pair. */
  large: [Photo, Photo];
  /** The same two photos at ~640 px (JPEG, quality 90). */
  small: [Photo, Photo];
}

async function photo(name: string, bytes: Uint8Array): Promise<Photo> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return { name, bytes, width, height };
}

async function shrink(source: Photo): Promise<Photo> {
  const bytes = await sharp(source.bytes).resize({ width: SMALL_WIDTH }).jpeg({ quality: 90 }).toBuffer();
  return photo(source.name.replace('.jpg', `@${SMALL_WIDTH}.jpg`), new Uint8Array(bytes));
}

export async function loadPhotos(paths: readonly string[] = LARGE_PHOTOS): Promise<PhotoSet> {
  const [a, b] = await Promise.all(paths.map(async (p) => photo(basename(p), await readFile(p))));
  if (!a || !b) throw new Error('the bench needs two photos');
  return { large: [a, b], small: [await shrink(a), await shrink(b)] };
}

export function describe(p: Photo): string {
  return `${p.name} (${p.width}×${p.height}, ${Math.round(p.bytes.length / 1024)} KiB)`;
}
