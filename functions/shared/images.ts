/**
 * The one way an image reaches the engine from a request: bytes already read (raw body, multipart file),
 * base64 text (optionally a data: URL), or `{ s3: { bucket, key } }` in the one bucket the caller allows.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_DECODE_LIMITS } from '../core/decode.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { imageSizeError } from '../core/image-size.ts';
import { ENVIRONMENT } from './contract.ts';
import { createS3Client } from './s3.ts';

export interface S3Location {
  bucket: string;
  key: string;
}

/** A field of a request that names an image: `image`, `source` or `target`. */
export type ImageField = string;

export interface ResolveImageOptions {
  /** Named in errors, e.g. `{ image: 'target' }`. */
  field: ImageField;
  s3: Pick<S3Client, 'send'>;
  /** The only bucket an `{ s3 }` reference may name; undefined refuses every reference. */
  allowedBucket: string | undefined;
  maxBytes?: number;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:[^,]*;base64,/;

export async function resolveImage(input: unknown, options: ResolveImageOptions): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') return decodeBase64(input, options.field);
  if (isS3Reference(input)) return readS3Image(parseLocation(input.s3, options.field), options);
  throw invalid(options.field, 'must be a base64 string or {"s3": {"bucket", "key"}}');
}

function decodeBase64(text: string, field: ImageField): Uint8Array {
  const base64 = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(base64) || base64.length % 4 === 1) throw invalid(field, 'is not valid base64');
  return Buffer.from(base64, 'base64');
}

function isS3Reference(input: unknown): input is { s3: unknown } {
  return typeof input === 'object' && input !== null && 's3' in input;
}

function parseLocation(value: unknown, field: ImageField): S3Location {
  const { bucket, key } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw invalid(`${field}.s3`, 'must be {"bucket": "…", "key": "…"} with non-empty strings');
  }
  return { bucket, key };
}

async function readS3Image(location: S3Location, options: ResolveImageOptions): Promise<Uint8Array> {
  const details = { image: options.field };
  if (location.bucket !== options.allowedBucket) {
    const message = options.allowedBucket
      ? `Images are read from bucket ${options.allowedBucket} only, not from ${location.bucket}.`
      : 'Images cannot be read from S3 here: no bucket is configured for them.';
    throw new FaceVerifyError('Forbidden', message, { details });
  }
  const object = await options.s3
    .send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }))
    .catch((cause: unknown) => {
      throw isMissing(cause)
        ? new FaceVerifyError('NotFound', `No object ${location.key} in ${location.bucket}.`, {
            cause,
            details,
          })
        : cause;
    });
  const maxBytes = options.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes;
  const tooLarge = imageSizeError(location.key, object.ContentLength ?? 0, maxBytes, details);
  if (tooLarge) {
    await object.Body?.transformToWebStream().cancel(); // frees the connection unread
    throw tooLarge;
  }
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
}

/**
 * A missing key, or one the function may not see: without s3:ListBucket, which the readers are not
 * granted, S3 answers a missing key with AccessDenied rather than NoSuchKey.
 */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'AccessDenied';
}

function invalid(field: string, problem: string): FaceVerifyError {
  return new FaceVerifyError('InvalidRequest', `\`${field}\` ${problem}.`);
}

export type ImageResolver = (input: unknown, field: ImageField) => Promise<Uint8Array>;

/** detect's and verify's resolver: `{ s3 }` references may name the presigned-upload bucket only. */
export function uploadedImageResolver(
  s3: Pick<S3Client, 'send'> = createS3Client(),
  allowedBucket = process.env[ENVIRONMENT.uploadBucket],
): ImageResolver {
  return (input, field) => resolveImage(input, { field, s3, allowedBucket });
}
