/**
 * An image field of a request as the engine's input: bytes already read (raw body, multipart file),
 * base64 text (optionally a data: URL), or `{ s3: { bucket, key } }` naming an object in the one bucket
 * the deployment allows, read through readImage with the engine's decode limits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DecodeLimits } from '../core/decode.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { type ImageSource, readImage } from '../shared/read-image.ts';

export interface ImageFieldOptions {
  s3: Pick<S3Client, 'send'>;
  /** The only bucket an `{ s3 }` reference may name; undefined refuses every reference. */
  allowedBucket: string | undefined;
  limits: Pick<DecodeLimits, 'maxBytes'>;
}

/** Reads the value of one image field (`image`, `source`, `target`), naming it in every error. */
export type ImageFieldReader = (input: unknown, field: string) => Promise<Uint8Array>;

export function imageFieldReader(options: ImageFieldOptions): ImageFieldReader {
  return (input, field) => {
    const source = imageSource(input, field, options);
    const shown = 's3' in source ? source.key : `\`${field}\``;
    return readImage(source, { shown, image: field }, options.limits);
  };
}

function imageSource(input: unknown, field: string, options: ImageFieldOptions): ImageSource {
  if (input instanceof Uint8Array) return { bytes: input };
  if (typeof input === 'string') return { base64: input };
  if (typeof input === 'object' && input !== null && 's3' in input) {
    const { bucket, key } = s3Location(input.s3, field);
    if (bucket !== options.allowedBucket) {
      const message = options.allowedBucket
        ? `Images are read from bucket ${options.allowedBucket} only, not from ${bucket}.`
        : 'Images cannot be read from S3 here: no bucket is configured for them.';
      throw new FaceVerifyError('Forbidden', message, { details: { image: field } });
    }
    return { s3: options.s3, bucket, key };
  }
  throw invalid(field, 'must be a base64 string or {"s3": {"bucket", "key"}}');
}

function s3Location(value: unknown, field: string): { bucket: string; key: string } {
  const { bucket, key } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw invalid(`${field}.s3`, 'must be {"bucket": "…", "key": "…"} with non-empty strings');
  }
  return { bucket, key };
}

function invalid(field: string, problem: string): FaceVerifyError {
  return new FaceVerifyError('InvalidRequest', `\`${field}\` ${problem}.`);
}
