/**
 * The one way an image's bytes are read, whatever holds them: a request (bytes, base64 text), an S3
 * object, a file, or an object a store has listed (the drop folder). Each is checked against the
 * engine's decode limit before it is read wherever its size is known first, and every failure is a
 * FaceVerifyError naming the image; a fault of ours (S3 down) stays a plain error.
 */
import { open } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../core/decode.ts';
import type { EngineConfig } from '../core/engine.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { imageSizeError } from '../core/image-size.ts';

export type ImageSource =
  | { bytes: Uint8Array }
  /** Base64 text, optionally a `data:` URL. */
  | { base64: string }
  | { s3: Pick<S3Client, 'send'>; bucket: string; key: string }
  | { file: string }
  /** An object a store listed with its size, read only if that size is within the limit. */
  | { size: number; read(): Promise<Uint8Array> };

export interface ImageName {
  /** How messages name it: a path, a key, `` `source` ``. */
  shown: string;
  /** Which image of a request or a pair it is (`details.image`): `image`, `source`, `target`. */
  image?: string;
}

/** The limits an engine of `config` decodes with: the configured ones over the defaults. */
export function decodeLimits(config: EngineConfig = {}): DecodeLimits {
  return { ...DEFAULT_DECODE_LIMITS, ...config.decodeLimits };
}

export async function readImage(
  source: ImageSource,
  name: ImageName,
  limits: Pick<DecodeLimits, 'maxBytes'>,
): Promise<Uint8Array> {
  try {
    const bytes = await read(source, name.shown, limits.maxBytes);
    checkImageSize(name.shown, bytes.length, limits);
    return bytes;
  } catch (error) {
    throw name.image !== undefined && error instanceof FaceVerifyError
      ? error.withDetails({ image: name.image })
      : error;
  }
}

/** ImageTooLarge, naming the image, when `bytes` is over the limit. */
export function checkImageSize(shown: string, bytes: number, limits: Pick<DecodeLimits, 'maxBytes'>): void {
  const tooLarge = imageSizeError(shown, bytes, limits.maxBytes);
  if (tooLarge) throw tooLarge;
}

async function read(source: ImageSource, shown: string, maxBytes: number): Promise<Uint8Array> {
  if ('bytes' in source) return source.bytes;
  if ('base64' in source) return decodeBase64(source.base64, shown);
  if ('s3' in source) return readS3Object(source, shown, maxBytes);
  if ('file' in source) return readFile(source.file, shown, maxBytes);
  checkImageSize(shown, source.size, { maxBytes });
  return source.read();
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:[^,]*;base64,/;

function decodeBase64(text: string, shown: string): Uint8Array {
  const base64 = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(base64) || base64.length % 4 === 1) {
    throw new FaceVerifyError('InvalidRequest', `${shown} is not valid base64.`);
  }
  return Buffer.from(base64, 'base64');
}

async function readS3Object(
  { s3, bucket, key }: Extract<ImageSource, { s3: unknown }>,
  shown: string,
  maxBytes: number,
): Promise<Uint8Array> {
  // Imported on first use: the CLI reads files only, and starts faster without the SDK.
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch((cause: unknown) => {
    throw isMissing(cause)
      ? new FaceVerifyError('NotFound', `No object ${key} in ${bucket}.`, { cause })
      : cause;
  });
  const tooLarge = imageSizeError(shown, object.ContentLength ?? 0, maxBytes);
  if (tooLarge) {
    await object.Body?.transformToWebStream().cancel(); // frees the connection unread
    throw tooLarge;
  }
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
}

/**
 * A missing key, or one the reader may not see: without s3:ListBucket, which the readers are not
 * granted, S3 answers a missing key with AccessDenied rather than NoSuchKey.
 */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'AccessDenied';
}

async function readFile(path: string, shown: string, maxBytes: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new FaceVerifyError('InvalidRequest', `${shown} is a folder, not an image file.`);
    }
    if (stats.isFile()) checkImageSize(shown, stats.size, { maxBytes });
    const buffer = await handle.readFile();
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (error) {
    throw fileError(error, shown);
  } finally {
    await handle?.close();
  }
}

/** A file that cannot be read, as the error its reader gets: NotFound, or InvalidRequest saying why. */
export function fileError(error: unknown, shown: string): FaceVerifyError {
  if (error instanceof FaceVerifyError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FaceVerifyError('NotFound', `No such file: ${shown}`, { cause: error });
    case 'EISDIR':
      return new FaceVerifyError('InvalidRequest', `${shown} is a folder, not an image file.`, {
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new FaceVerifyError('InvalidRequest', `Permission denied: ${shown}`, { cause: error });
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new FaceVerifyError('InvalidRequest', `Cannot read ${shown}: ${message}`, { cause: error });
    }
  }
}
