/** The S3 client every handler shares: AWS's, or that of the local S3 endpoint `npm start` runs. */
import { S3Client } from '@aws-sdk/client-s3';

/** s3rver's built-in account. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function createS3Client(endpoint: string | undefined): S3Client {
  // Checksums only where S3 requires them: the SDK's default adds CRC32 trailers that s3rver stores as
  // part of streamed objects, and that a presigned PUT would pin to the checksum of an empty body.
  const checksums = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  } as const;
  if (!endpoint) return new S3Client(checksums);
  return new S3Client({
    ...checksums,
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
}
