/**
 * faceverify's whole deployment: functions, API, drop folder, uploads and web page in one stack.
 * Environment-agnostic (no account or region at synth), so `cdk synth` needs no AWS credentials.
 */
import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { ApiAuth } from './api-auth.ts';
import type { FaceVerifyConfig } from './config.ts';
import { DropFolder } from './drop-folder.ts';
import { FaceFunctions } from './face-functions.ts';
import { AccessLogsBucket } from './private-bucket.ts';
import { UploadBucket } from './upload-bucket.ts';
import { Website } from './website.ts';

export interface FaceVerifyStackProps extends StackProps {
  readonly config: FaceVerifyConfig;
  /** Docker build context of the function image (dist/lambda). */
  readonly imageDirectory: string;
  /** The built web page (web/dist). */
  readonly siteDirectory: string;
}

const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export class FaceVerifyStack extends Stack {
  readonly functions: FaceFunctions;
  readonly api: Api;
  readonly dropFolder: DropFolder;
  readonly uploads: UploadBucket;
  readonly website: Website;

  constructor(scope: Construct, id: string, props: FaceVerifyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', { retain: config.retainData });
    const auth = new ApiAuth(this, 'Auth', { mode: config.auth, removalPolicy });

    this.functions = new FaceFunctions(this, 'Functions', {
      imageDirectory: props.imageDirectory,
      logRetention: LOG_RETENTION,
      logRemovalPolicy: removalPolicy,
      detector: config.detector,
    });
    const { detect, verify, uploads, meta, drop } = this.functions.functions;

    // Wildcards, not the exact hosts: the API and the upload bucket name the site's origin in their CORS
    // rules, so naming them back here would be a dependency cycle.
    const regionalHost = (service: string) => `https://*.${service}.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    this.website = new Website(this, 'Website', {
      siteDirectory: props.siteDirectory,
      connectSources: [
        regionalHost('execute-api'),
        regionalHost('s3'),
        `https://*.s3.${Aws.URL_SUFFIX}`,
        ...(auth.userPool ? [`https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}`] : []),
      ],
      accessLogs: accessLogs.for('website'),
    });
    const siteOrigin = config.siteOrigin ?? this.website.origin;

    this.api = new Api(this, 'Api', {
      handlers: { detect, verify, uploads, meta },
      auth,
      allowedOrigin: siteOrigin,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      logRetention: LOG_RETENTION,
      logRemovalPolicy: removalPolicy,
    });
    this.uploads = new UploadBucket(this, 'Uploads', {
      presigner: uploads,
      readers: [detect, verify],
      allowedOrigin: siteOrigin,
      accessLogs: accessLogs.for('uploads'),
    });
    this.dropFolder = new DropFolder(this, 'DropFolder', {
      handler: drop,
      resultsRetentionDays: config.resultsRetentionDays,
      accessLogs: accessLogs.for('drop'),
      retain: config.retainData,
    });

    this.website.addRuntimeConfig({
      apiUrl: this.api.url,
      auth: config.auth,
      region: Aws.REGION,
      userPoolId: auth.userPool?.userPoolId,
      userPoolClientId: auth.userPoolClient?.userPoolClientId,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'SiteUrl', { value: `${this.website.origin}/` });
    new CfnOutput(this, 'DropBucketName', { value: this.dropFolder.bucket.bucketName });
    if (auth.userPool && auth.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: auth.userPoolClient.userPoolClientId });
    }
  }
}
