/** Photos for the browser test: face-api's demo samples (MIT), and variants made from them with sharp. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Box } from '../../web/src/types.ts';

const DEMO = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url));

export function samplePath(n: number): string {
  return join(DEMO, `sample${n}.jpg`);
}

/**
 * The sample stored sideways with EXIF orientation 6 ("rotate 90° clockwise to display"), as phones save
 * portrait shots: the raster is portrait, the upright photo landscape, exactly the sample.
 */
export async function rotatedExif(n: number): Promise<Buffer> {
  return sharp(samplePath(n)).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer();
}

/** The sample enlarged and saved at full quality: well over the API's direct limit. */
export async function oversized(n: number, width = 6400): Promise<Buffer> {
  return sharp(samplePath(n)).resize({ width }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

/** One face cut out of a sample with a margin, enlarged and a little brighter: the same person, another image. */
export async function faceCutout(n: number, box: Box): Promise<Buffer> {
  const image = sharp(samplePath(n));
  const { width = 0, height = 0 } = await image.metadata();
  const margin = Math.max(box.width, box.height);
  const left = Math.max(0, Math.round(box.x - margin));
  const top = Math.max(0, Math.round(box.y - margin));
  const right = Math.min(width, Math.round(box.x + box.width + margin));
  const bottom = Math.min(height, Math.round(box.y + box.height + margin));
  return image
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize({ width: Math.round((right - left) * 1.3) })
    .modulate({ brightness: 1.1 })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A smooth gradient: a valid photo with no face in it. */
export async function faceless(): Promise<Buffer> {
  const width = 640;
  const height = 480;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([Math.round((x / width) * 255), Math.round((y / height) * 255), 160], (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
}

/** The sample as an uncompressed TIFF: over the direct limit, and a format chromium cannot decode. */
export async function uncompressedTiff(n: number): Promise<Buffer> {
  return sharp(samplePath(n)).tiff({ compression: 'none' }).toBuffer();
}
