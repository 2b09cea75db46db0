/**
 * Two behaviours of S3 that s3rver lacks and the drop folder relies on, added in front of its routes:
 * - conditional writes: `If-None-Match: *` creates only, `If-Match: <etag>` replaces only that version;
 *   otherwise 412 PreconditionFailed (404 NoSuchKey for If-Match on a missing key), as S3 answers;
 * - atomic writes: s3rver streams an upload into place, so a reader could see half an object. Writes to
 *   one key run one at a time, with the condition checked under the same turn, and a GET, HEAD or
 *   listing waits for the writes in flight that it would see.
 * Path-style requests only (`/<bucket>/<key>`): what the local S3 clients send.
 */
import { unquoteETag } from '../drop/store.ts';

/** The part of a Koa context this middleware reads and writes. */
export interface S3rverContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  get(field: string): string;
  status: number;
  type: string;
  body: unknown;
}

export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<unknown>) => Promise<unknown>;

/** The part of an s3rver instance (a Koa app with a filesystem store) this module needs. */
export interface S3rverInternals {
  /** Koa's stack: this module only puts its middleware first. */
  middleware: unknown[];
  store: {
    existsObject(bucket: string, key: string): Promise<boolean>;
    getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  };
}

/** Call before the server starts: Koa copies its middleware stack when it starts listening. */
export function enforceS3WriteSemantics(server: S3rverInternals): void {
  /** `<bucket>/<key>` → the last write queued for it. */
  const writes = new Map<string, Promise<void>>();

  const write = async (ctx: S3rverContext, bucket: string, key: string, next: () => Promise<unknown>) => {
    const id = `${bucket}/${key}`;
    const previous = writes.get(id) ?? Promise.resolve();
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const turn = previous.then(() => done);
    writes.set(id, turn);
    await previous;
    try {
      const refusal = await checkConditions(server, ctx, bucket, key);
      if (refusal) Object.assign(ctx, refusal);
      else await next();
    } finally {
      finish();
      if (writes.get(id) === turn) writes.delete(id);
    }
  };

  const middleware: S3rverMiddleware = async (ctx, next) => {
    const [bucket, ...rest] = ctx.path.split('/').slice(1).map(decodeURIComponent);
    if (!bucket) return next();
    const key = rest.join('/');
    if (key && isObjectWrite(ctx)) return write(ctx, bucket, key, next);
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      const prefix = `${bucket}/${key || String(ctx.query.prefix ?? '')}`;
      const seen = key
        ? [writes.get(prefix)]
        : [...writes].filter(([id]) => id.startsWith(prefix)).map(([, w]) => w);
      await Promise.all(seen);
    }
    return next();
  };
  // First in the stack, so it runs before s3rver's router.
  server.middleware.unshift(middleware);
}

/** A PUT of a whole object (not a part of a multipart upload), or the POST that completes a multipart upload. */
function isObjectWrite(ctx: S3rverContext): boolean {
  if (ctx.method === 'PUT') return ctx.query.partNumber === undefined;
  return ctx.method === 'POST' && ctx.query.uploadId !== undefined;
}

async function checkConditions(
  server: S3rverInternals,
  ctx: S3rverContext,
  bucket: string,
  key: string,
): Promise<Pick<S3rverContext, 'status' | 'type' | 'body'> | undefined> {
  const ifNoneMatch = ctx.get('if-none-match');
  const ifMatch = ctx.get('if-match');
  if (!ifNoneMatch && !ifMatch) return undefined;
  const exists = await server.store.existsObject(bucket, key);
  if (ifNoneMatch === '*' && exists) return s3Error(412, 'PreconditionFailed', 'If-None-Match');
  if (ifMatch) {
    if (!exists) return s3Error(404, 'NoSuchKey', 'If-Match');
    const { etag } = await server.store.getMetadata(bucket, key);
    if (unquoteETag(etag) !== unquoteETag(ifMatch)) return s3Error(412, 'PreconditionFailed', 'If-Match');
  }
  return undefined;
}

function s3Error(status: number, code: string, condition: string) {
  const message =
    code === 'NoSuchKey'
      ? 'The specified key does not exist.'
      : 'At least one of the pre-conditions you specified did not hold';
  return {
    status,
    type: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Condition>${condition}</Condition></Error>`,
  };
}
