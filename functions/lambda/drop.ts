/** Lambda entry of the `drop` function (infra/drop-folder.ts): its bucket, the engine and S3 client, configured at init. */
import { dropHandler } from '../drop/queue.ts';
import { s3DropStore } from '../drop/s3-store.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { decodeLimits } from '../shared/read-image.ts';
import { lambdaRuntime } from './entry.ts';

const runtime = lambdaRuntime();
const bucket = runtime.config.dropBucket;
if (!bucket) throw new Error(`${ENVIRONMENT.dropBucket} is not set: the drop handler has no bucket`);

export const handler = dropHandler({
  bucket,
  store: s3DropStore(runtime.s3, bucket),
  engine: await runtime.engine(),
  limits: decodeLimits(runtime.config.engine),
});
