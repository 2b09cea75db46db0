/**
 * s3rver writes an object's three files (bytes, MD5, metadata) in place, so a process killed mid-write
 * leaves a torn object: half an image, or a result that is no longer JSON. Here each is written under a
 * staged name first and renamed into place, so after a crash a key holds its old version or its new one.
 * The bytes are renamed after their stale MD5 is removed, and s3rver recomputes a missing MD5 from the
 * bytes, so an object's ETag always matches its bytes. Staged files are not objects to s3rver (their
 * names do not end in its object suffix); ones a crash left behind are deleted at the next start.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The part of s3rver's filesystem store this module replaces or calls. */
export interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5?: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

export interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}

const STAGED = '.~staged-';
const STAGED_NAME = /\.~staged-[0-9a-f-]{36}(\._S3rver_|$)/;

/** Call before the server takes requests: deletes what a crash left staged, then stages every write. */
export async function writeObjectsAtomically(store: S3rverFilesystemStore, root: string): Promise<void> {
  const entries = await readdir(root, { recursive: true }).catch(() => []);
  await Promise.all(
    entries.filter((entry) => STAGED_NAME.test(entry)).map((entry) => rm(join(root, entry), { force: true })),
  );

  const putMetadata = store.putMetadata.bind(store);
  store.putObject = async ({ bucket, key, content, metadata }) => {
    const final = (resource: string) => store.getResourcePath(bucket, key, resource);
    const stagedKey = `${key}${STAGED}${randomUUID()}`;
    const staged = (resource: string) => store.getResourcePath(bucket, stagedKey, resource);
    // The staged bytes must not end in s3rver's object suffix, or a listing would show them.
    const stagedBytes = `${staged('object')}.bytes`;
    await mkdir(dirname(final('object')), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
    let digest: string;
    try {
      await pipeline(source, count, createWriteStream(stagedBytes));
      digest = md5.digest('hex');
      await putMetadata(bucket, stagedKey, metadata, digest);
    } catch (error) {
      // An upload cut off mid-stream: nothing of it may stay behind.
      await Promise.all(
        [stagedBytes, staged('object.md5'), staged('metadata.json')].map((file) => rm(file, { force: true })),
      );
      throw error;
    }
    await rename(staged('metadata.json'), final('metadata.json'));
    await rm(final('object.md5'), { force: true });
    await rename(stagedBytes, final('object'));
    await rename(staged('object.md5'), final('object.md5'));
    return { size, md5: digest };
  };
}
