/**
 * The AWS store's two backends for tests: dynalite (a DynamoDB implementation) on a loopback port, with
 * collections tables made from the same key layout the CDK construct uses, and the S3 Vectors double.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { TABLE_INDEXES, TABLE_KEYS } from '../../functions/collections/aws/schema.ts';
import { AwsCollectionStore } from '../../functions/collections/aws/store.ts';
import { CollectionVectors } from '../../functions/collections/aws/vectors.ts';
import { S3VectorsDouble } from './s3vectors-double.ts';

export const VECTOR_BUCKET = 'faceverify-test-vectors';

export interface AwsBackends {
  vectors: S3VectorsDouble;
  /** A store over a table of its own (so tests do not see each other's collections). */
  newStore(): Promise<AwsCollectionStore>;
  /** Another store over an existing table, as a second Lambda instance would be. */
  storeOn(table: string): AwsCollectionStore;
  stop(): Promise<void>;
}

export async function startAwsBackends(): Promise<AwsBackends> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dynamoClient = () =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const vectors = new S3VectorsDouble(VECTOR_BUCKET);
  await vectors.start();
  let tables = 0;

  const storeOn = (table: string) =>
    new AwsCollectionStore({
      dynamo: DynamoDBDocumentClient.from(dynamoClient()),
      table,
      vectors: new CollectionVectors(vectors.client(), VECTOR_BUCKET),
    });
  return {
    vectors,
    storeOn,
    async newStore() {
      const table = `collections-${++tables}`;
      const client = dynamoClient();
      await client.send(new CreateTableCommand(tableDefinition(table)));
      client.destroy();
      return storeOn(table);
    },
    async stop() {
      await vectors.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function tableDefinition(TableName: string) {
  const { partition, sort } = TABLE_KEYS;
  const indexes = Object.values(TABLE_INDEXES);
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [partition, sort, ...indexes.map((index) => index.sortKey)].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partition, KeyType: 'HASH' as const },
      { AttributeName: sort, KeyType: 'RANGE' as const },
    ],
    LocalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: partition, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
