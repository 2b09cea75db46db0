/** The part of s3rver (which ships no types) that the local S3 uses. */
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** A Koa app: emits 'event' with an S3 notification for each object created or deleted. */
  export default class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    /** Koa's middleware stack, composed on each request. */
    middleware: unknown[];
    store: {
      existsObject(bucket: string, key: string): Promise<boolean>;
      getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
      listObjects(
        bucket: string,
        options: { prefix?: string },
      ): Promise<{ objects: { key: string; size: number; metadata: { etag: string } }[] }>;
      getResourcePath(bucket: string, key: string, resource: string): string;
      putMetadata(bucket: string, key: string, metadata: unknown, md5?: string): Promise<void>;
      putObject(object: {
        bucket: string;
        key: string;
        content: Buffer | Readable;
        metadata: unknown;
      }): Promise<{ size: number; md5: string }>;
    };
  }
}
