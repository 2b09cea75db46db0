/** The contract every CollectionStore passes, run on the AWS store over dynalite and the S3 Vectors double. */
import { afterAll, beforeAll } from 'vitest';
import { type AwsBackends, startAwsBackends } from './aws-backends.ts';
import { describeCollectionStore } from './store-contract.ts';

let backends: AwsBackends;
beforeAll(async () => {
  backends = await startAwsBackends();
});
afterAll(async () => {
  await backends?.stop();
});

describeCollectionStore('DynamoDB + Amazon S3 Vectors', async () => ({
  store: await backends.newStore(),
  cleanup: async () => {},
}));
