/** Image bytes in, upright 8-bit sRGB pixels out — with every way that can fail mapped to a FaceVerifyError. */

import sharp, { type Metadata } from 'sharp';
import { FaceVerifyError } from './errors.ts';
import { isSrgbProfile } from './icc.ts';
import { imageSizeError } from './image-size.ts';
import type { RgbImage } from './types.ts';

export interface DecodeLimits {
  maxBytes: number;
  /** Checked against the header before decoding, so a decompression bomb is refused unallocated. */
  maxPixels: number;
  /** Smallest allowed width or height. */
  minSide: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 40_000_000,
  minSide: 32,
};

/** What we accept: sharp's decoder name → the MIME types of the files it reads (AVIF goes through 'heif'). */
const DECODERS = {
  jpeg: ['image/jpeg'],
  png: ['image/png'],
  webp: ['image/webp'],
  gif: ['image/gif'],
  tiff: ['image/tiff'],
  heif: ['image/avif', 'image/heif', 'image/heic'],
} as const;
type Decoder = keyof typeof DECODERS;

/** The accepted decoders this sharp build actually has. */
const ACCEPTED_FORMATS = (Object.keys(DECODERS) as Decoder[]).filter(
  (format) => sharp.format[format].input.buffer,
);
const ACCEPTED_MIME_TYPES: ReadonlySet<string> = new Set(
  ACCEPTED_FORMATS.flatMap((format) => DECODERS[format]),
);
const ACCEPTED_NAMES = 'JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF';

export async function decodeImage(bytes: Uint8Array, limits?: Partial<DecodeLimits>): Promise<RgbImage> {
  const { maxBytes, maxPixels, minSide } = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (bytes.length === 0) {
    throw new FaceVerifyError('InvalidImage', 'The upload is empty (0 bytes), so it is not an image.');
  }
  const tooLarge = imageSizeError('The image', bytes.length, maxBytes);
  if (tooLarge) throw tooLarge;

  // Reads the header only; the pixel limit is ours, checked below with a clearer message.
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch((cause: unknown) => {
      throw unreadable(bytes, cause);
    });
  if (!ACCEPTED_FORMATS.some((format) => format === meta.format)) {
    throw unsupported(sniffImageType(bytes) ?? meta.format);
  }
  const { width, height } = meta;
  if (width * height > maxPixels) {
    throw new FaceVerifyError(
      'ImageTooLarge',
      `The image is ${width}×${height} pixels (${megapixels(width * height)} megapixels); the limit is ${megapixels(maxPixels)} megapixels.`,
    );
  }
  if (Math.min(width, height) < minSide) {
    throw new FaceVerifyError(
      'ImageTooSmall',
      `The image is ${width}×${height} pixels; each side must be at least ${minSide} pixels.`,
    );
  }

  // The only decode. failOn 'truncated' refuses cut-off files but tolerates the benign warnings
  // (stray bytes, odd EXIF) common in camera JPEGs; limitInputPixels repeats our pixel check inside
  // sharp; an sRGB profile is ignored rather than applied, to the same pixels (icc.ts). Multi-page
  // inputs give their first page.
  const ignoreIcc = meta.icc !== undefined && isSrgbProfile(meta.icc);
  const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels, ignoreIcc })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((cause: unknown) => {
      throw undecodable(meta, cause);
    });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** A lossless PNG of an RgbImage (e.g. a face crop). */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/** The MIME type announced by the file's magic number, or undefined when it is not a known image type. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const text = (start: number, end: number) => ascii(bytes, start, end);
  const startsWith = (...magic: number[]) => magic.every((byte, i) => bytes[i] === byte);

  if (startsWith(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (text(0, 6) === 'GIF87a' || text(0, 6) === 'GIF89a') return 'image/gif';
  if (text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return 'image/webp';
  if (text(0, 4) === 'II*\0' || text(0, 4) === 'MM\0*') return 'image/tiff';
  if (text(4, 8) === 'ftyp') return isoBrandType(bytes);
  if (startsWith(0xff, 0x0a) || text(4, 12) === 'JXL \r\n\x87\n') return 'image/jxl';
  if (text(0, 2) === 'BM') return 'image/bmp';
  if (text(0, 5) === '%PDF-') return 'application/pdf';
  const head = text(0, 1024);
  if (/^(\xEF\xBB\xBF)?\s*</.test(head) && /<svg[\s>]/.test(head)) return 'image/svg+xml';
  return undefined;
}

/** HEIF-family files (ISO-BMFF): the brands in the ftyp box tell AVIF from HEIC from other HEIF. */
function isoBrandType(bytes: Uint8Array): string | undefined {
  const ftypEnd = Math.min(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), bytes.length);
  const brands = [ascii(bytes, 8, 12)]; // the major brand; the minor version follows, then compatible brands
  for (let at = 16; at + 4 <= ftypEnd; at += 4) brands.push(ascii(bytes, at, at + 4));

  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'image/avif';
  const heicBrands = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'];
  if (brands.some((brand) => heicBrands.includes(brand))) return 'image/heic';
  if (brands.some((brand) => brand === 'mif1' || brand === 'msf1')) return 'image/heif';
  return undefined;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** sharp could not even read the header. */
function unreadable(bytes: Uint8Array, cause: unknown): FaceVerifyError {
  const type = sniffImageType(bytes);
  if (type === undefined) {
    return new FaceVerifyError('InvalidImage', `The data is not an image (${ACCEPTED_NAMES} expected).`, {
      cause,
    });
  }
  if (ACCEPTED_MIME_TYPES.has(type)) {
    return new FaceVerifyError(
      'InvalidImage',
      `The file looks like ${type} but is corrupt and cannot be read.`,
      {
        cause,
      },
    );
  }
  return unsupported(type, cause);
}

/** The header was fine but the pixels were not. */
function undecodable(meta: Metadata, cause: unknown): FaceVerifyError {
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    const message = `HEIC images (HEVC-compressed) cannot be decoded here; send ${ACCEPTED_NAMES} instead.`;
    return new FaceVerifyError('UnsupportedMediaType', message, { cause });
  }
  const message = `The ${meta.format.toUpperCase()} image is truncated or corrupt and could not be decoded.`;
  return new FaceVerifyError('InvalidImage', message, { cause });
}

function unsupported(type: string, cause?: unknown): FaceVerifyError {
  const message = `${type} files are not supported; send ${ACCEPTED_NAMES}.`;
  return new FaceVerifyError('UnsupportedMediaType', message, { cause });
}

function megapixels(pixels: number): string {
  return (pixels / 1_000_000).toFixed(1);
}
