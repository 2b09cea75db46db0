import { describe, expect, it } from 'vitest';
import { logicalId, synth } from './helpers.ts';

describe('UploadBucket', () => {
  const { stack, template } = synth();
  const bucketId = logicalId(stack.uploads.bucket);
  const bucket = template.findResources('AWS::S3::Bucket')[bucketId];

  it('forgets uploads after a day', () => {
    expect(bucket?.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 1, Status: 'Enabled' })]),
    );
    expect(bucket?.DeletionPolicy).toBe('Delete');
  });

  it('accepts browser PUTs from the site origin only', () => {
    expect(bucket?.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        expect.objectContaining({
          AllowedMethods: ['PUT'],
          AllowedOrigins: [
            {
              'Fn::Join': [
                '',
                ['https://', { 'Fn::GetAtt': [logicalId(stack.website.distribution), 'DomainName'] }],
              ],
            },
          ],
        }),
      ],
    });
  });

  it('is encrypted and private', () => {
    expect(bucket?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
    });
  });

  it('lets the uploads handler sign PUTs and detect/verify read, nothing more', () => {
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] };
    const statementsOf = (name: 'uploads' | 'detect' | 'verify') => {
      const role = stack.functions.functions[name].role;
      if (!role) throw new Error(`${name} has no role`);
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(logicalId(role)))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
        .filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    };
    expect(statementsOf('uploads')).toEqual([
      expect.objectContaining({ Action: 's3:PutObject', Resource: objects }),
    ]);
    for (const reader of ['detect', 'verify'] as const) {
      expect(statementsOf(reader)).toEqual([
        expect.objectContaining({ Action: 's3:GetObject', Resource: objects }),
      ]);
    }
  });
});
