/**
 * Test inputs: small synthetic rasters, hand-made files that no encoder will produce, and a face's
 * quality signals.
 */

import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import type { QualitySignals } from '../../functions/core/face-quality.ts';
import type { Face, RgbImage } from '../../functions/core/types.ts';

export type Rgb = [r: number, g: number, b: number];

export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];

/** An image whose pixels are colour(x, y). */
export function paint(width: number, height: number, colour: (x: number, y: number) => Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  }
  return { data, width, height };
}

/** Red top-left, green top-right, blue bottom-left, white bottom-right. */
export function quadrants(width: number, height: number): RgbImage {
  return paint(width, height, (x, y) => {
    const right = x >= width / 2;
    if (y < height / 2) return right ? GREEN : RED;
    return right ? WHITE : BLUE;
  });
}

export function pixel(image: RgbImage, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 3;
  return [image.data[i] ?? Number.NaN, image.data[i + 1] ?? Number.NaN, image.data[i + 2] ?? Number.NaN];
}

/** A sharp pipeline fed with an RgbImage, ready for .jpeg(), .png()… */
export function fromRgb(image: RgbImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** Deterministic pseudo-random bytes (a 32-bit LCG), so a "random" test cannot flake. */
export function noiseBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/**
 * A PNG whose header claims width × height RGB pixels but whose pixel data stops almost at once.
 * Decoding it fails as truncated, so refusing it as too large proves the header alone was checked.
 */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1000))),
  ]);
}

/**
 * A structurally valid HEIC (HEVC-coded HEIF) whose payload is filler: enough for its header to parse,
 * the way an iPhone photo's does, where the HEVC decoder is missing.
 */
export function heicHeaderOnly(width: number, height: number): Uint8Array {
  const ftyp = box('ftyp', latin1('heic'), u32(0), latin1('mif1heic'));
  const payload = Buffer.alloc(64);
  const meta = (payloadOffset: number) =>
    fullBox(
      'meta',
      0,
      fullBox('hdlr', 0, u32(0), latin1('pict'), Buffer.alloc(12), Buffer.from([0])),
      fullBox('pitm', 0, u16(1)),
      // One item, one extent: offset and length as 4-byte fields.
      fullBox(
        'iloc',
        0,
        Buffer.from([0x44, 0x00]),
        u16(1),
        u16(1),
        u16(0),
        u16(1),
        u32(payloadOffset),
        u32(64),
      ),
      fullBox('iinf', 0, u16(1), fullBox('infe', 2, u16(1), u16(0), latin1('hvc1'), Buffer.from([0]))),
      box(
        'iprp',
        box(
          'ipco',
          box('hvcC', Buffer.from([1]), Buffer.alloc(22)),
          fullBox('ispe', 0, u32(width), u32(height)),
        ),
        // Item 1 has properties 1 (hvcC, essential) and 2 (ispe).
        fullBox('ipma', 0, u32(1), u16(1), Buffer.from([2, 0x81, 0x02])),
      ),
    );
  const payloadOffset = ftyp.length + meta(0).length + 8;
  return Buffer.concat([ftyp, meta(payloadOffset), box('mdat', payload)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([latin1(type), data]);
  return Buffer.concat([u32(data.length), typeAndData, u32(crc32(typeAndData))]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function box(type: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat(body);
  return Buffer.concat([u32(8 + content.length), latin1(type), content]);
}

function fullBox(type: string, version: number, ...body: Buffer[]): Buffer {
  return box(type, Buffer.from([version, 0, 0, 0]), ...body);
}

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** A face's quality signals: turned by `yaw`, with `detail` (log sharpness), the rest middling. */
export function qualitySignals(yaw: number, detail: number): QualitySignals {
  return {
    yaw,
    pitch: 0,
    roll: 0,
    frontality: 1,
    size: 5,
    detector: 3,
    detail,
    exposure: 0,
    landmarkShift: -4,
  };
}

/**
 * A face as detect reports it and verify compares it: the same but for its quality score, which
 * verify reads again once the face is embedded (face-quality.ts).
 */
export function asDetected({ quality, ...face }: Face): Face {
  return quality ? { ...face, quality: { ...quality, score: Number.NaN } } : face;
}
