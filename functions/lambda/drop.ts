/**
 * Lambda entry of the `drop` function (infra/drop-folder.ts): its bucket, the engine and S3 client,
 * configured at init, and the collections store uploads under `enrol/` are enrolled into.
 */
import { collectionsOnFirstUse } from '../collections/collections.ts';
import { dropHandler } from '../drop/queue.ts';
import { s3DropStore } from '../drop/s3-store.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { decodeLimits } from '../shared/read-image.ts';
import { lambdaRuntime } from './entry.ts';

const runtime = lambdaRuntime();
const bucket = runtime.config.dropBucket;
if (!bucket) throw new Error(`${ENVIRONMENT.dropBucket} is not set: the drop handler has no bucket`);

const engine = await runtime.engine();

export const handler = dropHandler({
  bucket,
  store: s3DropStore(runtime.s3, bucket),
  engine,
  limits: decodeLimits(runtime.config.engine),
  // The AWS store (lambdaRuntime opens it from COLLECTIONS_TABLE and VECTOR_BUCKET) at the first enrolment.
  collections: collectionsOnFirstUse(() => runtime.collections(), engine),
});
