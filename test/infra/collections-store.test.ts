import { describe, expect, it } from 'vitest';
import { INDEX_NAME_PREFIX, TABLE_INDEXES, TABLE_KEYS } from '../../functions/collections/aws/schema.ts';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { AUTH_MODES } from '../../infra/config.ts';
import { logicalId, synth } from './helpers.ts';

describe('CollectionsStore', () => {
  const { stack, template } = synth();
  const tableId = logicalId(stack.collections.table);
  const bucketId = stack.getLogicalId(stack.collections.vectorBucket);
  const table = () => template.findResources('AWS::DynamoDB::GlobalTable')[tableId];
  /** The statements of a function's role that name DynamoDB or S3 Vectors actions. */
  const dataStatements = (name: 'collections' | 'drop') => {
    const role = stack.functions.functions[name].role;
    if (!role) throw new Error(`${name} has no role`);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(logicalId(role)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((s) => /dynamodb:|s3vectors:/.test(JSON.stringify(s.Action)));
  };

  it('keeps collections and faces in one on-demand, encrypted table with point-in-time recovery', () => {
    expect(table()?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it("has the store's two local secondary indexes, so its listings are strongly consistent", () => {
    const indexes = table()?.Properties.LocalSecondaryIndexes;
    expect(indexes).toEqual(
      Object.values(TABLE_INDEXES).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('turns deletion protection off with collectionsDeletionProtection=false, and retains data by default', () => {
    expect(table()?.DeletionPolicy).toBe('Retain');
    const open = synth({ collectionsDeletionProtection: 'false', retainData: 'false' });
    const id = logicalId(open.stack.collections.table);
    const resource = open.template.findResources('AWS::DynamoDB::GlobalTable')[id];
    expect(resource?.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    expect(resource?.DeletionPolicy).toBe('Delete');
  });

  it('makes one encrypted vector bucket', () => {
    const buckets = template.findResources('AWS::S3Vectors::VectorBucket');
    expect(Object.keys(buckets)).toEqual([bucketId]);
    expect(buckets[bucketId]?.Properties).toEqual({ EncryptionConfiguration: { SseType: 'AES256' } });
    expect(buckets[bucketId]?.DeletionPolicy).toBe('Retain');
  });

  it('tells the collections function the table and the bucket name', () => {
    const fn =
      template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.functions.collections)];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      [ENVIRONMENT.collectionsTable]: { Ref: tableId },
      [ENVIRONMENT.vectorBucket]: {
        'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] }] }],
      },
    });
  });

  it('grants the collections function only its table items and the fv- indexes of its bucket', () => {
    expect(dataStatements('collections')).toEqual([
      expect.objectContaining({
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: [
          { 'Fn::GetAtt': [tableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
        ],
      }),
      expect.objectContaining({
        Action: [
          's3vectors:CreateIndex',
          's3vectors:DeleteIndex',
          's3vectors:DeleteVectors',
          's3vectors:GetVectors',
          's3vectors:PutVectors',
          's3vectors:QueryVectors',
        ],
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] }, `/index/${INDEX_NAME_PREFIX}*`]],
        },
      }),
    ]);
    // No other function may touch the collections, but the drop function's enrolments (below).
    const roles = [stack.functions.functions.collections.role, stack.functions.functions.drop.role];
    const others = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (policy) => !roles.some((r) => r && JSON.stringify(policy.Properties.Roles).includes(logicalId(r))),
    );
    expect(JSON.stringify(others)).not.toMatch(/s3vectors:|dynamodb:/);
  });

  it('grants the drop function what an enrolment calls and no more: no query, listing, search or index deletion', () => {
    expect(dataStatements('drop')).toEqual([
      expect.objectContaining({
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      }),
      expect.objectContaining({
        Action: ['s3vectors:CreateIndex', 's3vectors:DeleteVectors', 's3vectors:PutVectors'],
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] }, `/index/${INDEX_NAME_PREFIX}*`]],
        },
      }),
    ]);
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.functions.drop)];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      [ENVIRONMENT.collectionsTable]: { Ref: tableId },
      [ENVIRONMENT.vectorBucket]: {
        'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] }] }],
      },
    });
  });

  it.each(AUTH_MODES)('is in the stack with auth=%s', (auth) => {
    const { template: modeTemplate } = synth({ auth });
    expect(Object.keys(modeTemplate.findResources('AWS::S3Vectors::VectorBucket'))).toHaveLength(1);
    expect(Object.keys(modeTemplate.findResources('AWS::DynamoDB::GlobalTable'))).toHaveLength(1);
  });
});
