/** The DropStore of a real bucket, through the AWS SDK (S3 on AWS, the local S3 endpoint with `npm start`). */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { compareKeys, type DropStore, type StoredObject, unquoteETag } from './store.ts';

export function s3DropStore(s3: Pick<S3Client, 'send'>, bucket: string): DropStore {
  /** One page, up to 1,000 keys: a pair's folder beyond that is judged TooManyFiles on its first page. */
  const list = async (prefix: string): Promise<StoredObject[]> => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? [])
      .map((o) => ({ key: o.Key ?? '', eTag: unquoteETag(o.ETag ?? ''), size: o.Size ?? 0 }))
      .sort((a, b) => compareKeys(a.key, b.key));
  };

  /**
   * GetObject, or undefined when the key is absent. Without s3:ListBucket on the key's prefix S3 answers
   * a missing key with AccessDenied, so that answer is confirmed by a listing rather than trusted.
   */
  const get = async (key: string) => {
    try {
      return await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey') return undefined;
      if (name === 'AccessDenied' && !(await list(key)).some((o) => o.key === key)) return undefined;
      throw error;
    }
  };

  return {
    list,
    async read(key) {
      const object = await get(key);
      if (!object?.Body) return undefined;
      return { bytes: await object.Body.transformToByteArray(), eTag: unquoteETag(object.ETag ?? '') };
    },
    async readJson(key) {
      const object = await get(key);
      if (!object?.Body) return undefined;
      return { value: JSON.parse(await object.Body.transformToString()), eTag: object.ETag ?? '' };
    },
    async writeJson(key, value, condition) {
      const body = `${JSON.stringify(value, null, 2)}\n`;
      const put = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ...('ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }),
      });
      try {
        await s3.send(put);
        return true;
      } catch (error) {
        // 412: the condition failed; 409: another conditional write to the key was in flight;
        // 404: the version to replace (If-Match) is gone.
        const name = (error as { name?: string }).name;
        if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || name === 'NoSuchKey') {
          return false;
        }
        throw error;
      }
    },
    async delete(keys) {
      await Promise.all(keys.map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
    },
  };
}
