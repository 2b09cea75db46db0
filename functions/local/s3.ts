/**
 * The local S3 endpoint of `npm start`: s3rver with the upload and drop-folder buckets, its objects in a
 * folder kept across restarts (`npm start` uses `<FACEVERIFY_DATA_DIR>/s3/`), or in a temporary folder
 * deleted on stop when none is given (tests). s3rver has no bucket notifications (the drop watcher turns
 * its object events into them) and does not check V4 signatures, so a presigned URL's signed headers are
 * enforced on AWS only.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client } from '../shared/s3.ts';
import { writeObjectsAtomically } from './s3-atomic-writes.ts';
import { enforceS3WriteSemantics } from './s3-conditions.ts';

export const LOCAL_BUCKETS = { uploads: 'faceverify-uploads', drop: 'faceverify-drop' } as const;

/** Browsers PUT to presigned URLs from the page's origin (another port): allow it, as the real bucket does. */
const UPLOAD_CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface LocalS3 {
  endpoint: string;
  port: number;
  /** A client for this endpoint (path-style, s3rver's credentials, checksums only when required). */
  client(): S3Client;
  /** The s3rver instance: the drop watcher listens to its object events. */
  server: S3rver;
  /** The folder holding the buckets. */
  directory: string;
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** 0 picks a free one. */
  port?: number;
  host?: string;
  /** Where the objects live, kept on stop; without it, a temporary folder deleted on stop. */
  directory?: string;
}

/** The local S3's folder under a data directory (FACEVERIFY_DATA_DIR). */
export function localS3Directory(dataDir: string): string {
  return join(dataDir, 's3');
}

export async function startLocalS3({
  port = 4569,
  host = '127.0.0.1',
  directory: kept,
}: LocalS3Options = {}): Promise<LocalS3> {
  const directory = kept ?? (await mkdtemp(join(tmpdir(), 'faceverify-s3-')));
  const discard = async () => {
    if (!kept) await rm(directory, { recursive: true, force: true });
  };
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: host,
    port,
    directory,
    silent: true,
    configureBuckets: [{ name: LOCAL_BUCKETS.uploads, configs: [UPLOAD_CORS] }, { name: LOCAL_BUCKETS.drop }],
  });
  enforceS3WriteSemantics(server);
  const address = await writeObjectsAtomically(server.store, directory)
    .then(() => server.run())
    .catch(async (error: unknown) => {
      await discard();
      throw error;
    });
  const endpoint = `http://${host}:${address.port}`;
  return {
    endpoint,
    port: address.port,
    client: () => createS3Client(endpoint),
    server,
    directory,
    async stop() {
      await server.close();
      await discard();
    },
  };
}
