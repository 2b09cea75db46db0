/** Lambda entry of the drop folder (infra/drop-folder.ts): the bucket from DROP_BUCKET, the shared engine and S3 client. */
import { dropHandler } from '../drop/handler.ts';
import { s3DropStore } from '../drop/s3-store.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { engine } from '../shared/engine.ts';
import { createS3Client } from '../shared/s3.ts';

const bucket = process.env[ENVIRONMENT.dropBucket];
if (!bucket) throw new Error(`${ENVIRONMENT.dropBucket} is not set: the drop handler has no bucket`);

export const handler = dropHandler({ bucket, store: s3DropStore(createS3Client(), bucket), engine });
