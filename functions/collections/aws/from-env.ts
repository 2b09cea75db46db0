/** The AWS store as a Lambda function builds it: table and vector bucket named by the environment the CDK sets. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENVIRONMENT } from '../../shared/contract.ts';
import { AwsCollectionStore } from './store.ts';
import { CollectionVectors } from './vectors.ts';

/** Region and credentials come from the SDK's defaults (the function's role and region). */
export function awsCollectionStore(env: NodeJS.ProcessEnv = process.env): AwsCollectionStore {
  const table = env[ENVIRONMENT.collectionsTable];
  const bucket = env[ENVIRONMENT.vectorBucket];
  if (!table || !bucket) {
    throw new Error(
      `${ENVIRONMENT.collectionsTable} and ${ENVIRONMENT.vectorBucket} must name the collections table and vector bucket`,
    );
  }
  return new AwsCollectionStore({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    table,
    vectors: new CollectionVectors(new S3VectorsClient({}), bucket),
  });
}
