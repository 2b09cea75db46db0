/** Real photos for the handler and HTTP tests: face-api's demo images (npm-shipped, MIT), and crops of them. */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Box } from '../../functions/core/types.ts';

const DEMO = new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url);

/** sample1.jpg … sample6.jpg: group photos, 1920 pixels wide, 3 to 6 faces each; smaller when `width` is given. */
export async function demoPhoto(n: number, width?: number): Promise<Buffer> {
  const bytes = await readFile(new URL(`sample${n}.jpg`, DEMO));
  return width ? sharp(bytes).resize({ width }).jpeg({ quality: 90 }).toBuffer() : bytes;
}

/** One region of a photo, enlarged around it, as a JPEG: a portrait of one face of a group photo. */
export async function cropJpeg(bytes: Uint8Array, box: Box, pad = 0.6): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const left = Math.max(0, Math.round(box.x - box.width * pad));
  const top = Math.max(0, Math.round(box.y - box.height * pad));
  return sharp(bytes)
    .extract({
      left,
      top,
      width: Math.min(width - left, Math.round(box.width * (1 + 2 * pad))),
      height: Math.min(height - top, Math.round(box.height * (1 + 2 * pad))),
    })
    .jpeg()
    .toBuffer();
}

/** A faceless picture: a smooth colour gradient. */
export function gradientPng(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++)
    data.set([(i % width) % 256, 128, Math.floor(i / width) % 256], i * 3);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
