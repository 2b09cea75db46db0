import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DROP_PREFIXES, DROP_QUEUE } from '../../functions/shared/contract.ts';
import { FUNCTIONS } from '../../infra/functions.ts';
import { logicalId, synth } from './helpers.ts';

describe('DropFolder', () => {
  const { stack, template } = synth({ resultsRetentionDays: '45' });
  const bucketId = logicalId(stack.dropFolder.bucket);
  const queueId = logicalId(stack.dropFolder.queue);
  const bucket = () => template.findResources('AWS::S3::Bucket')[bucketId]?.Properties;

  it('sends object-created events under incoming/ and enrol/ to the one queue, not to the function', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId },
      NotificationConfiguration: {
        QueueConfigurations: [DROP_PREFIXES.incoming, DROP_PREFIXES.enrol].map((prefix) => ({
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        })),
      },
    });
    expect(JSON.stringify(template.findResources('Custom::S3BucketNotifications'))).not.toContain('Lambda');
  });

  it('drains the queue in small batches, retrying failed records alone, at bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalId(stack.functions.functions.drop) },
      BatchSize: DROP_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: DROP_QUEUE.maxConcurrency },
    });
  });

  it('parks poison messages in an encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * FUNCTIONS.drop.timeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.dropFolder.deadLetterQueue), 'Arn'] },
        maxReceiveCount: DROP_QUEUE.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: DROP_QUEUE.retentionDays * 24 * 3600,
    });
    const queuePolicies = JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'));
    expect(queuePolicies).toContain('"aws:SecureTransport":"false"');
  });

  it('expires incoming/ and enrol/ with the dead letters and keeps results/ for resultsRetentionDays', () => {
    expect(bucket()?.LifecycleConfiguration).toEqual({
      Rules: expect.arrayContaining([
        expect.objectContaining({
          Prefix: DROP_PREFIXES.incoming,
          ExpirationInDays: DROP_QUEUE.retentionDays,
          Status: 'Enabled',
        }),
        expect.objectContaining({
          Prefix: DROP_PREFIXES.enrol,
          ExpirationInDays: DROP_QUEUE.retentionDays,
          Status: 'Enabled',
        }),
        expect.objectContaining({ Prefix: DROP_PREFIXES.results, ExpirationInDays: 45, Status: 'Enabled' }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      ]),
    });
  });

  it('is encrypted, private, logged and TLS-only', () => {
    expect(bucket()).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: expect.stringMatching('AccessLogs') },
        LogFilePrefix: 'drop/',
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('keeps the bucket on stack deletion unless retainData=false', () => {
    expect(template.findResources('AWS::S3::Bucket')[bucketId]?.DeletionPolicy).toBe('Retain');
    const destroyable = synth({ retainData: 'false' });
    const id = logicalId(destroyable.stack.dropFolder.bucket);
    expect(destroyable.template.findResources('AWS::S3::Bucket')[id]?.DeletionPolicy).toBe('Delete');
    destroyable.template.hasResource('Custom::S3AutoDeleteObjects', {
      Properties: Match.objectLike({ BucketName: { Ref: id } }),
    });
  });

  it('lets the drop handler read and delete incoming/ and enrol/, read and write results/, and list them', () => {
    const role = stack.functions.functions.drop.role;
    if (!role) throw new Error('drop has no role');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(logicalId(role)),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const s3Statements = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    expect(s3Statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['s3:DeleteObject', 's3:GetObject'],
          Resource: ['/enrol/*', '/incoming/*'].map((objects) => ({
            'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, objects]],
          })),
        }),
        expect.objectContaining({
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/results/*']] },
        }),
        expect.objectContaining({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': ['incoming/*', 'enrol/*', 'results/*'] } },
        }),
      ]),
    );
    expect(s3Statements).toHaveLength(3);
  });
});
