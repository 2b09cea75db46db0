/**
 * Where collections live on AWS: the DynamoDB table of collections and faces (keys from
 * functions/collections/aws/schema.ts) and the S3 vector bucket that holds one index per collection.
 * The collections function gets exactly what the store calls: item reads and writes on the table and
 * its indexes, and index and vector operations on the bucket's `fv-` indexes (names from
 * functions/collections/aws/schema.ts); the drop function, what an enrolment calls (grantEnrol).
 */
import { Fn, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import { Construct } from 'constructs';
import { INDEX_NAME_PREFIX, TABLE_INDEXES, TABLE_KEYS } from '../functions/collections/aws/schema.ts';
import { ENVIRONMENT } from '../functions/shared/contract.ts';

export interface CollectionsStoreProps {
  /** Serves the collection routes: reads and writes the table and the vectors. */
  readonly handler: lambda.Function;
  /** The table refuses deletion until this is turned off (the `collectionsDeletionProtection` switch). */
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** What the store calls on the table (functions/collections/aws/store.ts). */
const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
];

/**
 * What the store calls on S3 Vectors (functions/collections/aws/vectors.ts). QueryVectors with a
 * metadata filter or returnMetadata also needs GetVectors (API reference, QueryVectors, "Permissions").
 */
const VECTOR_ACTIONS = [
  's3vectors:CreateIndex',
  's3vectors:DeleteIndex',
  's3vectors:PutVectors',
  's3vectors:DeleteVectors',
  's3vectors:QueryVectors',
  's3vectors:GetVectors',
];

/**
 * What an enrolment alone calls (the drop folder's `enrol/`): the collection read, the faces it may
 * have stored already read (BatchGetItem: a retried upload's enrolment is idempotent), the face items and
 * counts written, taken back if it fails; the vectors put (creating an index its creator was
 * interrupted before making) and taken back. No query, listing or search.
 */
export const ENROL_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
export const ENROL_VECTOR_ACTIONS = [
  's3vectors:CreateIndex',
  's3vectors:PutVectors',
  's3vectors:DeleteVectors',
];

export class CollectionsStore extends Construct {
  readonly table: dynamodb.TableV2;
  readonly vectorBucket: s3vectors.CfnVectorBucket;
  /** The bucket's name, as the S3 Vectors API takes it: the last part of its ARN. */
  readonly vectorBucketName: string;

  constructor(scope: Construct, id: string, props: CollectionsStoreProps) {
    super(scope, id);
    const { partition, sort } = TABLE_KEYS;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sort, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      // Local, not global: they answer strongly consistent reads, so a face is listed (and erased) as
      // soon as its enrolment returns. Their price is a 10 GB limit per collection (docs/collections-aws.md).
      localSecondaryIndexes: Object.values(TABLE_INDEXES).map((index) => ({
        indexName: index.name,
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      })),
    });

    this.vectorBucket = new s3vectors.CfnVectorBucket(this, 'VectorBucket', {
      encryptionConfiguration: { sseType: 'AES256' },
    });
    this.vectorBucket.applyRemovalPolicy(props.removalPolicy);
    this.vectorBucketName = Fn.select(1, Fn.split('/', this.vectorBucket.attrVectorBucketArn));

    this.grant(props.handler, TABLE_ACTIONS, VECTOR_ACTIONS, { tableIndexes: true });
  }

  /** Lets a function enrol faces, and nothing else: the drop folder's uploads under `enrol/`. */
  grantEnrol(handler: lambda.Function): void {
    this.grant(handler, ENROL_TABLE_ACTIONS, ENROL_VECTOR_ACTIONS, { tableIndexes: false });
  }

  /** The actions on the table (and its indexes, to list) and on the bucket's `fv-` indexes, and where they are. */
  private grant(
    handler: lambda.Function,
    tableActions: string[],
    vectorActions: string[],
    { tableIndexes }: { tableIndexes: boolean },
  ): void {
    const stack = Stack.of(this);
    const tableId = stack.getLogicalId(this.table.node.defaultChild as dynamodb.CfnGlobalTable);
    const bucketId = stack.getLogicalId(this.vectorBucket);
    handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: tableActions,
        resources: [this.table.tableArn, ...(tableIndexes ? [`${this.table.tableArn}/index/*`] : [])],
      }),
    );
    const indexes = `${this.vectorBucket.attrVectorBucketArn}/index/${INDEX_NAME_PREFIX}*`;
    handler.addToRolePolicy(new iam.PolicyStatement({ actions: vectorActions, resources: [indexes] }));
    handler.addEnvironment(ENVIRONMENT.collectionsTable, this.table.tableName);
    handler.addEnvironment(ENVIRONMENT.vectorBucket, this.vectorBucketName);
    if (!handler.role) return;
    Validations.of(handler.role).acknowledge(
      ...(tableIndexes
        ? [
            {
              id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
              reason:
                "The table's two local secondary indexes (byTime, bySubject) list a collection's faces.",
            },
          ]
        : []),
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.VectorBucketArn>/index/${INDEX_NAME_PREFIX}*]`,
        reason:
          'One index per collection, named at run time from its owner and id; only fv- indexes in this bucket.',
      },
    );
  }
}
