/** Cutting square model inputs out of a photo: one sharp resize per scale, then plain copies. */
import sharp from 'sharp';
import { warpAffine } from './align.ts';
import type { Box, RgbImage } from './types.ts';

export interface Square {
  x: number;
  y: number;
  size: number;
}

/** A square region of the image (black outside it) resized to size × size RGB. */
export async function squareCrop(image: RgbImage, region: Square, size: number): Promise<Uint8Array> {
  const scale = size / region.size;
  const left = Math.max(0, Math.round(region.x));
  const top = Math.max(0, Math.round(region.y));
  const right = Math.min(image.width, Math.round(region.x + region.size));
  const bottom = Math.min(image.height, Math.round(region.y + region.size));
  const width = Math.max(1, Math.min(size, Math.round((right - left) * scale)));
  const height = Math.max(1, Math.min(size, Math.round((bottom - top) * scale)));
  const padLeft = Math.min(size - width, Math.max(0, Math.round((left - region.x) * scale)));
  const padTop = Math.min(size - height, Math.max(0, Math.round((top - region.y) * scale)));
  const raw = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
    .resize(width, height, { fit: 'fill' })
    .extend({
      left: padLeft,
      top: padTop,
      right: size - width - padLeft,
      bottom: size - height - padTop,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer();
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

/** The photo scaled by `factor` (a good filter, once, for every tile of one size). */
export async function scaleImage(image: RgbImage, factor: number): Promise<RgbImage> {
  const width = Math.max(1, Math.round(image.width * factor));
  const height = Math.max(1, Math.round(image.height * factor));
  const raw = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) };
}

/** A size × size window of the image at (x, y), rounded to whole pixels, black outside the image. */
export function copySquare(image: RgbImage, x: number, y: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const left = Math.round(x);
  const top = Math.round(y);
  const from = Math.max(0, left);
  const to = Math.min(image.width, left + size);
  if (to <= from) return out;
  for (let row = 0; row < size; row++) {
    const sy = top + row;
    if (sy < 0 || sy >= image.height) continue;
    const start = (sy * image.width + from) * 3;
    out.set(image.data.subarray(start, start + (to - from) * 3), (row * size + (from - left)) * 3);
  }
  return out;
}

/** The pixels inside a whole-pixel box that lies within the image. */
export function cropImage(image: RgbImage, box: Box): RgbImage {
  const { x, y, width, height } = box;
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * 3;
    data.set(image.data.subarray(start, start + width * 3), row * width * 3);
  }
  return { width, height, data };
}

/**
 * A box of the image resampled bilinearly to size × size, black outside the image. The box's corners
 * are pixel centres (the first and last pixel's indices), as MTCNN's boxes are.
 */
export function resampleBox(image: RgbImage, box: Box, size: number): RgbImage {
  const sx = box.width / size;
  const sy = box.height / size;
  // Output pixel i samples the centre of the box's i-th of `size` equal slices.
  return warpAffine(image, [sx, 0, box.x - 0.5 + sx / 2, 0, sy, box.y - 0.5 + sy / 2], size, size);
}
