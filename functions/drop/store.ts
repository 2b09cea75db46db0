/** What the drop folder needs from its bucket: the port the pair logic runs over (S3, or memory in tests). */

/** One version of an object: an upload is identified by its key and its ETag (unquoted). */
export interface StoredObject {
  key: string;
  eTag: string;
  size: number;
}

export interface StoredJson {
  value: unknown;
  eTag: string;
}

/** Create only if absent (S3 `If-None-Match: *`), or replace only the version read (`If-Match`). */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export interface DropStore {
  /**
   * The objects under a prefix, in key order. Also how the drop folder learns whether one key exists:
   * S3's GetObject cannot tell a missing key from a denied one without list permission anyway.
   */
  list(prefix: string): Promise<StoredObject[]>;
  /** The bytes of the object and the ETag of the version read; undefined if it is gone. */
  read(key: string): Promise<{ bytes: Uint8Array; eTag: string } | undefined>;
  readJson(key: string): Promise<StoredJson | undefined>;
  /** False when the condition did not hold: another writer got there first. */
  writeJson(key: string, value: unknown, condition: WriteCondition): Promise<boolean>;
  delete(keys: readonly string[]): Promise<void>;
}

export function sameVersion(a: Pick<StoredObject, 'key' | 'eTag'>, b: Pick<StoredObject, 'key' | 'eTag'>) {
  return a.key === b.key && a.eTag === b.eTag;
}

/** S3 quotes ETags in headers and listings, and not in event notifications. */
export function unquoteETag(eTag: string): string {
  return eTag.replace(/^"|"$/g, '');
}

/** S3's listing order: by the keys' UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
