import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  decodeImage,
  encodePng,
  sniffImageType,
} from '../../functions/core/decode.ts';
import { type ErrorCode, FaceVerifyError } from '../../functions/core/errors.ts';
import type { RgbImage } from '../../functions/core/types.ts';
import {
  BLUE,
  fromRgb,
  GREEN,
  heicHeaderOnly,
  noiseBytes,
  paint,
  pixel,
  pngHeaderOnly,
  quadrants,
  RED,
  type Rgb,
  WHITE,
} from './fixtures.ts';

const SAMPLES = [1, 2, 3, 4, 5, 6].map((n) => `sample${n}.jpg`);
const SAMPLE_DIR = new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url);
const canAvif = sharp.format.heif.input.buffer && sharp.format.heif.output.buffer;

/** Asserts the four corner pixels (3 px in, away from JPEG edge effects) are close to the given colours. */
function expectCorners(
  image: RgbImage,
  corners: { tl: Rgb; tr: Rgb; bl: Rgb; br: Rgb },
  tolerance = 24,
): void {
  const { width: w, height: h } = image;
  const actual = {
    tl: pixel(image, 3, 3),
    tr: pixel(image, w - 4, 3),
    bl: pixel(image, 3, h - 4),
    br: pixel(image, w - 4, h - 4),
  };
  for (const corner of ['tl', 'tr', 'bl', 'br'] as const) {
    const expected = corners[corner];
    const worst = Math.max(
      ...actual[corner].map((value, ch) => Math.abs(value - (expected[ch] ?? Number.NaN))),
    );
    expect(worst, `${corner} is ${actual[corner]}, expected ${expected}`).toBeLessThanOrEqual(tolerance);
  }
}

async function decodeError(bytes: Uint8Array, limits?: Partial<DecodeLimits>): Promise<FaceVerifyError> {
  const error = await decodeImage(bytes, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceVerifyError);
  return error as FaceVerifyError;
}

async function expectDecodeError(
  bytes: Uint8Array,
  code: ErrorCode,
  message: RegExp,
  limits?: Partial<DecodeLimits>,
): Promise<void> {
  const error = await decodeError(bytes, limits);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

describe('decodeImage: formats', () => {
  it('decodes a JPEG to 3-channel 8-bit pixels in a plain Uint8Array', async () => {
    const image = await decodeImage(await fromRgb(quadrants(64, 48)).jpeg().toBuffer());
    expect(image.width).toBe(64);
    expect(image.height).toBe(48);
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect(image.data.length).toBe(64 * 48 * 3);
    expectCorners(image, { tl: RED, tr: GREEN, bl: BLUE, br: WHITE });
  });

  it('applies EXIF orientation 6 (stored image must turn 90° clockwise)', async () => {
    const bytes = await fromRgb(quadrants(64, 48)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([48, 64]);
    expectCorners(image, { tl: BLUE, tr: RED, bl: WHITE, br: GREEN });
  });

  it('applies EXIF orientation 8 (stored image must turn 90° anticlockwise)', async () => {
    const bytes = await fromRgb(quadrants(64, 48)).jpeg().withMetadata({ orientation: 8 }).toBuffer();
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([48, 64]);
    expectCorners(image, { tl: GREEN, tr: WHITE, bl: RED, br: BLUE });
  });

  it('expands a grayscale PNG to three equal channels', async () => {
    const gray = paint(40, 40, (x) => [x * 6, x * 6, x * 6]);
    const bytes = await fromRgb(gray).toColourspace('b-w').png().toBuffer();
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    const image = await decodeImage(bytes);
    expect(image.data.length).toBe(40 * 40 * 3);
    expect(pixel(image, 10, 5)).toEqual([60, 60, 60]);
    expect(pixel(image, 39, 39)).toEqual([234, 234, 234]);
  });

  it('flattens an RGBA PNG onto white', async () => {
    // Left third transparent, middle third half-transparent black, right third opaque red.
    const rgba = new Uint8Array(48 * 40 * 4);
    for (let i = 0; i < 48 * 40; i++) {
      const x = i % 48;
      rgba.set(x < 16 ? [0, 0, 0, 0] : x < 32 ? [0, 0, 0, 128] : [255, 0, 0, 255], i * 4);
    }
    const bytes = await sharp(rgba, { raw: { width: 48, height: 40, channels: 4 } })
      .png()
      .toBuffer();
    const image = await decodeImage(bytes);
    expect(image.data.length).toBe(48 * 40 * 3);
    expect(pixel(image, 5, 5)).toEqual(WHITE);
    for (const value of pixel(image, 24, 5)) expect(Math.abs(value - 127)).toBeLessThanOrEqual(1);
    expect(pixel(image, 40, 5)).toEqual(RED);
  });

  it('reduces a 16-bit PNG to 8 bits', async () => {
    const bytes = await fromRgb(paint(40, 40, () => [200, 100, 50]))
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(bytes).metadata()).depth).toBe('ushort');
    const image = await decodeImage(bytes);
    expect(image.data.length).toBe(40 * 40 * 3);
    expect(pixel(image, 20, 20)).toEqual([200, 100, 50]);
  });

  it('converts a CMYK JPEG to RGB', async () => {
    const bytes = await fromRgb(quadrants(64, 48)).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(bytes).metadata()).space).toBe('cmyk');
    const image = await decodeImage(bytes);
    expect(image.data.length).toBe(64 * 48 * 3);
    // Pure sRGB green and blue are outside the CMYK gamut, so only hues survive the round trip; white
    // (CMYK 0,0,0,0) coming back white shows the channels were converted, not read as RGB.
    const dominant = (rgb: Rgb) => rgb.indexOf(Math.max(...rgb));
    expect(dominant(pixel(image, 3, 3))).toBe(0);
    expect(dominant(pixel(image, 60, 3))).toBe(1);
    expect(dominant(pixel(image, 3, 44))).toBe(2);
    for (const value of pixel(image, 60, 44)) expect(value).toBeGreaterThan(245);
  });

  it('decodes colour-managed: a Display P3 photo is converted, an sRGB-tagged one skips the no-op transform', async () => {
    const managed = async (bytes: Uint8Array, ignoreIcc = false) =>
      new Uint8Array(await sharp(bytes, { ignoreIcc }).autoOrient().toColourspace('srgb').raw().toBuffer());
    const p3 = await fromRgb(quadrants(64, 48)).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const p3Image = await decodeImage(p3);
    expect(p3Image.data).toEqual(await managed(p3));
    expect(p3Image.data).not.toEqual(await managed(p3, true));
    // sample1.jpg carries sRGB IEC61966-2.1: the pixels are lcms's, without running lcms.
    const camera = new Uint8Array(await readFile(new URL(SAMPLES[0] as string, SAMPLE_DIR)));
    expect((await decodeImage(camera)).data).toEqual(await managed(camera));
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = Buffer.concat([paint(40, 40, () => RED).data, paint(40, 40, () => BLUE).data]);
    const bytes = await sharp(frames, { raw: { width: 40, height: 80, channels: 3, pageHeight: 40 } })
      .gif()
      .toBuffer();
    expect((await sharp(bytes).metadata()).pages).toBe(2);
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([40, 40]);
    expect(pixel(image, 20, 20)).toEqual(RED);
  });

  it('decodes TIFF and lossless WebP exactly', async () => {
    const source = quadrants(40, 40);
    for (const bytes of [
      await fromRgb(source).tiff({ compression: 'lzw' }).toBuffer(),
      await fromRgb(source).webp({ lossless: true }).toBuffer(),
    ]) {
      expect(await decodeImage(bytes)).toEqual(source);
    }
  });

  it.runIf(canAvif)('decodes AVIF', async () => {
    const image = await decodeImage(await fromRgb(quadrants(64, 48)).avif({ quality: 90 }).toBuffer());
    expect([image.width, image.height]).toEqual([64, 48]);
    expectCorners(image, { tl: RED, tr: GREEN, bl: BLUE, br: WHITE }, 40);
  });

  it('round-trips encodePng exactly', async () => {
    const source = quadrants(50, 34);
    const png = await encodePng(source);
    expect(sniffImageType(png)).toBe('image/png');
    expect(await decodeImage(png)).toEqual(source);
  });

  it.each(SAMPLES)('decodes the real photo %s', async (name) => {
    const bytes = await readFile(new URL(name, SAMPLE_DIR));
    const { width, height } = await sharp(bytes).metadata();
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([width, height]);
    expect(image.data.length).toBe(width * height * 3);
    expect(new Set(image.data.subarray(0, 30_000)).size).toBeGreaterThan(50);
  });
});

describe('decodeImage: refusals', () => {
  it('refuses empty input as not an image', async () => {
    await expectDecodeError(new Uint8Array(0), 'InvalidImage', /empty.*not an image/);
  });

  it('refuses random bytes as not an image', async () => {
    const bytes = noiseBytes(4096);
    expect(sniffImageType(bytes)).toBeUndefined();
    await expectDecodeError(bytes, 'InvalidImage', /not an image/);
  });

  it('refuses a truncated JPEG, keeping the sharp error only as the cause', async () => {
    const noisy = { data: noiseBytes(400 * 300 * 3), width: 400, height: 300 };
    const jpeg = await fromRgb(noisy).jpeg().toBuffer();
    await expect(decodeImage(jpeg)).resolves.toMatchObject({ width: 400 });
    const error = await decodeError(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    expect(error.code).toBe('InvalidImage');
    expect(error.message).toMatch(/JPEG image is truncated or corrupt/);
    expect(error.message).not.toMatch(/Vips/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('accepts a JPEG whose only fault is stray bytes before a marker (a warning, not truncation)', async () => {
    const jpeg = await fromRgb(quadrants(64, 48)).jpeg().toBuffer();
    const at = jpeg.indexOf(Buffer.from([0xff, 0xdb])); // the quantisation-table marker
    const strayed = Buffer.concat([jpeg.subarray(0, at), Buffer.from([0x00, 0x11, 0x22]), jpeg.subarray(at)]);
    await expect(sharp(strayed).raw().toBuffer()).rejects.toThrow(/extraneous bytes/); // sharp's default failOn
    expectCorners(await decodeImage(strayed), { tl: RED, tr: GREEN, bl: BLUE, br: WHITE });
  });

  it('refuses a truncated PNG', async () => {
    const png = await fromRgb({ data: noiseBytes(200 * 200 * 3), width: 200, height: 200 })
      .png()
      .toBuffer();
    await expectDecodeError(
      png.subarray(0, Math.floor(png.length * 0.6)),
      'InvalidImage',
      /PNG image is truncated/,
    );
  });

  it('refuses a file with a JPEG signature but a garbage header as corrupt', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), noiseBytes(500)]);
    await expectDecodeError(bytes, 'InvalidImage', /looks like image\/jpeg but is corrupt/);
  });

  it('refuses SVG, PDF and BMP as unsupported media types', async () => {
    const svg = Buffer.from(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>',
    );
    expect((await sharp(svg).metadata()).format).toBe('svg');
    await expectDecodeError(svg, 'UnsupportedMediaType', /image\/svg\+xml files are not supported/);
    await expectDecodeError(
      Buffer.from('%PDF-1.7\n%\xe2\xe3\n1 0 obj'),
      'UnsupportedMediaType',
      /application\/pdf/,
    );
    await expectDecodeError(
      Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]),
      'UnsupportedMediaType',
      /image\/bmp/,
    );
  });

  it.runIf(sharp.format.heif.input.buffer)(
    'refuses HEVC-coded HEIC as unsupported when its header is fine',
    async () => {
      const heic = heicHeaderOnly(640, 480);
      expect(await sharp(heic).metadata()).toMatchObject({ format: 'heif', compression: 'hevc', width: 640 });
      await expectDecodeError(heic, 'UnsupportedMediaType', /HEIC/);
    },
  );

  it('refuses a side shorter than minSide, and accepts exactly minSide', async () => {
    const narrow = await fromRgb(paint(31, 100, () => RED))
      .png()
      .toBuffer();
    await expectDecodeError(narrow, 'ImageTooSmall', /31×100 pixels; each side must be at least 32 pixels/);
    await expect(
      decodeImage(
        await fromRgb(paint(32, 32, () => RED))
          .png()
          .toBuffer(),
      ),
    ).resolves.toMatchObject({
      width: 32,
    });
    await expectDecodeError(narrow, 'ImageTooSmall', /at least 64 pixels/, { minSide: 64 });
  });

  it('refuses more bytes than maxBytes', async () => {
    const png = await fromRgb(quadrants(64, 64)).png().toBuffer();
    await expectDecodeError(png, 'ImageTooLarge', /limit is 0\.0 MiB/, { maxBytes: png.length - 1 });
    await expect(decodeImage(png, { maxBytes: png.length })).resolves.toMatchObject({ width: 64 });
  });

  it('refuses more pixels than maxPixels, and accepts exactly maxPixels', async () => {
    const png = await fromRgb(quadrants(100, 100)).png().toBuffer();
    await expectDecodeError(png, 'ImageTooLarge', /100×100 pixels.*limit is 0\.0 megapixels/, {
      maxPixels: 9_999,
    });
    await expect(decodeImage(png, { maxPixels: 10_000 })).resolves.toMatchObject({ width: 100 });
  });

  it('refuses a decompression bomb from its header alone, before decoding', async () => {
    // Were these decoded, the truncated pixel data would fail as InvalidImage instead.
    const overOurLimit = pngHeaderOnly(8000, 8000); // 64 MP: under sharp's own default limit, over ours
    await expectDecodeError(pngHeaderOnly(100, 100), 'InvalidImage', /truncated/);
    await expectDecodeError(
      overOurLimit,
      'ImageTooLarge',
      /8000×8000 pixels \(64\.0 megapixels\); the limit is 40\.0/,
    );
    await expectDecodeError(pngHeaderOnly(60_000, 60_000), 'ImageTooLarge', /3600\.0 megapixels/);
  });

  it('uses 20 MiB, 40 megapixels and 32 px as default limits', () => {
    expect(DEFAULT_DECODE_LIMITS).toEqual({ maxBytes: 20 * 1024 * 1024, maxPixels: 40_000_000, minSide: 32 });
  });
});

describe('sniffImageType', () => {
  it('names the formats we generate', async () => {
    const raw = fromRgb(quadrants(40, 40));
    expect(sniffImageType(await raw.clone().jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffImageType(await raw.clone().png().toBuffer())).toBe('image/png');
    expect(sniffImageType(await raw.clone().gif().toBuffer())).toBe('image/gif');
    expect(sniffImageType(await raw.clone().webp().toBuffer())).toBe('image/webp');
    expect(sniffImageType(await raw.clone().tiff().toBuffer())).toBe('image/tiff');
    if (canAvif) expect(sniffImageType(await raw.clone().avif().toBuffer())).toBe('image/avif');
    expect(sniffImageType(heicHeaderOnly(64, 64))).toBe('image/heic');
  });

  it('names other recognisable files and nothing else', () => {
    expect(sniffImageType(Buffer.from('\uFEFF  <svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      'image/svg+xml',
    );
    expect(sniffImageType(Buffer.from('<html><body>no</body></html>'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('MM\0*\0\0\0\x08'))).toBe('image/tiff');
    expect(sniffImageType(Buffer.from('%PDF-1.4'))).toBe('application/pdf');
    expect(sniffImageType(Buffer.from([0xff, 0x0a, 0x00]))).toBe('image/jxl');
    expect(sniffImageType(new Uint8Array(0))).toBeUndefined();
    expect(sniffImageType(Buffer.from('hello, world'))).toBeUndefined();
  });
});
