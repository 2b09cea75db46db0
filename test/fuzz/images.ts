/**
 * Seed images for fuzzing, encoded by sharp from a real photo, and the ways to damage them: byte
 * mutations, truncation, and headers that lie about the image's size (checksums fixed, so the lie is
 * read rather than refused as corrupt).
 */
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';

export const SEED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff'] as const;
export type SeedFormat = (typeof SEED_FORMATS)[number];
export type Seeds = Record<SeedFormat, Uint8Array>;

const DEMO = new URL('../../node_modules/@vladmandic/face-api/demo/sample2.jpg', import.meta.url);

/** One small photo (72 px wide, above the 32 px minimum) in every seed format. */
export async function loadSeeds(): Promise<Seeds> {
  const photo = sharp(await readFile(DEMO)).resize({ width: 72 });
  const entries = await Promise.all(
    SEED_FORMATS.map(async (format) => [
      format,
      new Uint8Array(await photo.clone().toFormat(format).toBuffer()),
    ]),
  );
  return Object.fromEntries(entries) as Seeds;
}

/** Declared sizes: ordinary, zero, just under and over the limits, and the field's maximum. */
const SIDE = fc.oneof(
  fc.constantFrom(0, 1, 31, 32, 6_000, 6_325, 6_400, 16_383, 65_535),
  fc.integer({ min: 0, max: 70_000 }),
);

export type Damage =
  | { kind: 'flip'; at: number[]; values: number[] }
  | { kind: 'truncate'; keep: number }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { kind: 'size'; width: number; height: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

export const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fraction }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fraction,
    remove: fc.integer({ min: 0, max: 64 }),
    insert: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant('size' as const), width: SIDE, height: SIDE }),
);

/** The seed with every damage applied in turn; the seed itself is left untouched. */
export function applyDamage(format: SeedFormat, seed: Uint8Array, damages: readonly Damage[]): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(seed);
  for (const d of damages) {
    if (bytes.length === 0) break;
    switch (d.kind) {
      case 'flip':
        d.at.forEach((at, i) => {
          bytes[at % bytes.length] = d.values[i % d.values.length] as number;
        });
        break;
      case 'truncate':
        bytes = bytes.slice(0, Math.floor(d.keep * bytes.length));
        break;
      case 'splice': {
        const at = Math.floor(d.at * bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, at), d.insert, bytes.subarray(at + d.remove)]);
        break;
      }
      case 'size':
        declareSize(format, bytes, d.width, d.height);
        break;
    }
  }
  return bytes;
}

/** Rewrites the width and height the file's header declares, in place, where the header is found. */
export function declareSize(format: SeedFormat, bytes: Uint8Array, width: number, height: number): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const fits = (end: number) => end <= view.length;
  switch (format) {
    case 'png': // IHDR is the first chunk: width and height, then its CRC over type and data.
      if (!fits(33)) return;
      view.writeUInt32BE(width, 16);
      view.writeUInt32BE(height, 20);
      view.writeUInt32BE(crc32(view.subarray(12, 29)), 29);
      return;
    case 'gif': // The logical screen.
      if (!fits(10)) return;
      view.writeUInt16LE(width & 0xffff, 6);
      view.writeUInt16LE(height & 0xffff, 8);
      return;
    case 'jpeg': {
      // The first start-of-frame marker (baseline, extended or progressive): height then width.
      for (let i = 2; fits(i + 9); i++) {
        if (view[i] === 0xff && (view[i + 1] as number) >= 0xc0 && (view[i + 1] as number) <= 0xc2) {
          view.writeUInt16BE(height & 0xffff, i + 5);
          view.writeUInt16BE(width & 0xffff, i + 7);
          return;
        }
      }
      return;
    }
    case 'webp': {
      const chunk = view.toString('latin1', 12, 16);
      if (chunk === 'VP8 ' && fits(30)) {
        view.writeUInt16LE(width & 0x3fff, 26);
        view.writeUInt16LE(height & 0x3fff, 28);
      } else if (chunk === 'VP8X' && fits(30)) {
        view.writeUIntLE(Math.max(0, width - 1) & 0xffffff, 24, 3);
        view.writeUIntLE(Math.max(0, height - 1) & 0xffffff, 27, 3);
      }
      return;
    }
    case 'tiff': {
      // The first IFD's ImageWidth (256) and ImageLength (257) entries, SHORT or LONG.
      if (!fits(8)) return;
      const little = view.toString('latin1', 0, 2) === 'II';
      const u16 = (at: number) => (little ? view.readUInt16LE(at) : view.readUInt16BE(at));
      const u32 = (at: number) => (little ? view.readUInt32LE(at) : view.readUInt32BE(at));
      const ifd = u32(4);
      if (!fits(ifd + 2)) return;
      for (let n = 0, at = ifd + 2; n < u16(ifd) && fits(at + 12); n++, at += 12) {
        const tag = u16(at);
        if (tag !== 256 && tag !== 257) continue;
        const value = tag === 256 ? width : height;
        if (u16(at + 2) === 3)
          little ? view.writeUInt16LE(value & 0xffff, at + 8) : view.writeUInt16BE(value & 0xffff, at + 8);
        else little ? view.writeUInt32LE(value, at + 8) : view.writeUInt32BE(value, at + 8);
      }
      return;
    }
  }
}
