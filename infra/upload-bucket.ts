/**
 * Where browsers PUT images through presigned URLs, for images too large for a Lambda request payload
 * (6 MB). Objects live one day: long enough to be detected or verified, short enough to hold no archive.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../functions/shared/contract.ts';
import { PrivateBucket, type PrivateBucketProps } from './private-bucket.ts';

export interface UploadBucketProps {
  /** Signs the upload URLs, so it needs s3:PutObject. */
  readonly presigner: lambda.Function;
  /** Read what was uploaded. */
  readonly readers: readonly lambda.Function[];
  /** The only origins a browser may PUT from: the site's (and a development page's). */
  readonly allowedOrigins: readonly string[];
  readonly accessLogs: PrivateBucketProps['accessLogs'];
}

export class UploadBucket extends Construct {
  /** S3 expiration counts whole days: one is the shortest it can do. */
  static readonly OBJECT_LIFETIME = Duration.days(1);
  readonly bucket: PrivateBucket;

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id);
    this.bucket = new PrivateBucket(this, 'Bucket', {
      accessLogs: props.accessLogs,
      retain: false,
      lifecycleRules: [{ id: 'expire-uploads', expiration: UploadBucket.OBJECT_LIFETIME }],
      cors: [
        {
          allowedOrigins: [...props.allowedOrigins],
          allowedMethods: [s3.HttpMethods.PUT],
          // The SDK decides which headers a presigned PUT signs (content type, checksums).
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: Duration.hours(1).toSeconds(),
        },
      ],
    });
    // A presigned URL carries its signer's permissions: the presigner needs PutObject itself.
    this.bucket.grantObjects(props.presigner, ['s3:PutObject']);
    for (const reader of props.readers) this.bucket.grantObjects(reader, ['s3:GetObject']);
    for (const fn of [props.presigner, ...props.readers]) {
      fn.addEnvironment(ENVIRONMENT.uploadBucket, this.bucket.bucketName);
    }
  }
}
