/** The AWS store as a Lambda function opens it: the table and vector bucket its configuration names. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENVIRONMENT } from '../../shared/contract.ts';
import type { CollectionsConfig } from '../../shared/runtime-config.ts';
import { AwsCollectionStore } from './store.ts';
import { CollectionVectors } from './vectors.ts';

/** Region and credentials come from the SDK's defaults (the function's role and region). */
export function openAwsCollectionStore(config: CollectionsConfig): AwsCollectionStore {
  if (config.store !== 'aws') {
    throw new Error(
      `${ENVIRONMENT.collectionsTable} and ${ENVIRONMENT.vectorBucket} must name the collections table and vector bucket`,
    );
  }
  const names = config;
  return new AwsCollectionStore({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    table: names.table,
    vectors: new CollectionVectors(new S3VectorsClient({}), names.vectorBucket),
  });
}
