/**
 * Real face photos for the equivalence tests: face-api's six demo photos, decoded once, and the
 * largest face of each as a square crop.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { InputSpec } from '../../../functions/core/manifest.ts';
import { normaliseInto } from '../../../functions/core/models.ts';

const FACE_API = dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'));
export const SAMPLES = [1, 2, 3, 4, 5, 6].map((i) => join(FACE_API, 'demo', `sample${i}.jpg`));

/**
 * The largest face of each photo as a square [left, top, side] in photo pixels: face-api's
 * ssd_mobilenetv1 box (found once by hand) around its centre, enlarged by 10 %.
 */
const FACE_CROPS: [number, number, number][] = [
  [371, 343, 264],
  [1411, 141, 266],
  [536, 316, 298],
  [616, 40, 284],
  [749, 99, 233],
  [592, 306, 338],
];

export interface Photo {
  data: Buffer;
  info: { width: number; height: number; channels: 3 };
}

let photos: Promise<Photo[]> | undefined;

/** The six photos as RGB pixels, decoded once per test file. */
export function decodedPhotos(): Promise<Photo[]> {
  photos ??= Promise.all(
    SAMPLES.map(async (file) => {
      const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, info: { width: info.width, height: info.height, channels: 3 as const } };
    }),
  );
  return photos;
}

/** Each photo's face crop, moved by `shift` (fractions of its side, x and y), resized to size × size RGB pixels. */
export async function faceCrops(size: number, shift: [number, number] = [0, 0]): Promise<Buffer[]> {
  return Promise.all(
    (await decodedPhotos()).map(({ data, info }, i) => {
      const [left, top, side] = FACE_CROPS[i] as [number, number, number];
      const [dx, dy] = shift.map((s) => Math.round(s * side)) as [number, number];
      return sharp(data, { raw: info })
        .extract({ left: left + dx, top: top + dy, width: side, height: side })
        .resize(size, size)
        .raw()
        .toBuffer();
    }),
  );
}

/** Each whole photo, letterboxed (black bars) into width × height RGB pixels. */
export async function wholePhotos(width: number, height: number): Promise<Buffer[]> {
  return Promise.all(
    (await decodedPhotos()).map(({ data, info }) =>
      sharp(data, { raw: info })
        .resize(width, height, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
        .removeAlpha()
        .raw()
        .toBuffer(),
    ),
  );
}

/** RGB pixels as a model's float input, exactly as the engine feeds it. */
export function modelInput(input: InputSpec, rgb: Uint8Array): Float32Array {
  const out = new Float32Array(rgb.length);
  normaliseInto(input, rgb, out);
  return out;
}
