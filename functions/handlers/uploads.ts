/**
 * POST /uploads: presigned S3 PUT URLs for images too large for a request body (Lambda takes ≈6 MB).
 * Each URL is signed for one key under a fresh prefix, one Content-Type and one Content-Length, so S3
 * refuses any other upload; the bucket's lifecycle rule deletes the objects after a day.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DecodeLimits } from '../core/decode.ts';
import { FaceVerifyError } from '../core/errors.ts';
import type { Handlers } from '../http/dispatch.ts';
import { parseJson } from '../http/request.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { checkImageSize, decodeLimits } from '../shared/read-image.ts';
import type { Runtime } from '../shared/runtime.ts';

export const UPLOAD_LIMITS = {
  /** A verification's pair. */
  files: 2,
  expiresInSeconds: 300,
} as const;

interface FileRequest {
  contentType: string;
  contentLength: number;
}

export async function uploadsHandlers({ config, s3 }: Runtime): Promise<Handlers<'uploads'>> {
  const bucket = config.uploadBucket;
  // Each file at most what the engine decodes.
  const limits = decodeLimits(config.engine);
  return {
    createUploads: async (request) => {
      if (!bucket) throw new Error(`${ENVIRONMENT.uploadBucket} is not set`);
      if (request.mediaType !== 'application/json') {
        throw new FaceVerifyError('UnsupportedMediaType', 'Send the file list as application/json.');
      }
      const files = readFiles(parseJson(request).files, limits);
      const prefix = `uploads/${randomUUID()}`;
      const uploads = await Promise.all(
        files.map(async ({ contentType, contentLength }, n) => {
          const key = `${prefix}/${n}`;
          const command = new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            ContentType: contentType,
            ContentLength: contentLength,
          });
          const url = await getSignedUrl(s3, command, {
            expiresIn: UPLOAD_LIMITS.expiresInSeconds,
            signableHeaders: new Set(['content-type', 'content-length']),
          });
          return { url, method: 'PUT', headers: { 'content-type': contentType }, s3: { bucket, key } };
        }),
      );
      return {
        body: { uploads, expiresIn: UPLOAD_LIMITS.expiresInSeconds },
        log: { files: files.length, bytes: files.reduce((sum, file) => sum + file.contentLength, 0) },
      };
    },
  };
}

function readFiles(value: unknown, limits: Pick<DecodeLimits, 'maxBytes'>): FileRequest[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > UPLOAD_LIMITS.files) {
    throw new FaceVerifyError(
      'InvalidRequest',
      `\`files\` must list 1 to ${UPLOAD_LIMITS.files} files as {"contentType", "contentLength"}.`,
    );
  }
  return value.map((file: unknown, n) => {
    const { contentType, contentLength } = (typeof file === 'object' && file !== null ? file : {}) as Record<
      string,
      unknown
    >;
    if (
      typeof contentType !== 'string' ||
      !Number.isInteger(contentLength) ||
      (contentLength as number) < 1
    ) {
      throw new FaceVerifyError(
        'InvalidRequest',
        `\`files[${n}]\` must be {"contentType": "image/…", "contentLength": <bytes, at least 1>}.`,
      );
    }
    if (!/^image\/[\w.+-]+$/.test(contentType)) {
      throw new FaceVerifyError(
        'UnsupportedMediaType',
        `\`files[${n}].contentType\` must be an image/* type.`,
      );
    }
    checkImageSize(`\`files[${n}]\``, contentLength as number, limits);
    return { contentType, contentLength: contentLength as number };
  });
}
