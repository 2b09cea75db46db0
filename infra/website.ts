/**
 * The web page: a private bucket behind CloudFront (Origin Access Control, HTTPS only, security headers).
 * The page's files are the same for every stage; what differs (the API URL, the auth mode) is written at
 * deploy time into `config.json`, which the page fetches at start.
 */
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { SITE_CONFIG_FILE, type SiteRuntimeConfig } from '../functions/shared/site-config.ts';
import { PrivateBucket, type PrivateBucketProps } from './private-bucket.ts';

/** The file the page fetches at start (functions/shared/site-config.ts); every value is resolved at deploy time. */
export { SITE_CONFIG_FILE };

export interface WebsiteProps {
  /** The built page (web/dist), deployed as is. */
  readonly siteDirectory: string;
  /** Hosts the page may fetch from besides itself (CSP connect-src): the API, uploads, sign-in. */
  readonly connectSources: readonly string[];
  readonly accessLogs: PrivateBucketProps['accessLogs'];
}

export class Website extends Construct {
  readonly bucket: PrivateBucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`, the origin browsers see. */
  readonly origin: string;
  private readonly deploymentLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebsiteProps) {
    super(scope, id);
    // Its content is rebuilt from web/dist on every deploy, so it never needs keeping.
    this.bucket = new PrivateBucket(this, 'Bucket', { accessLogs: props.accessLogs, retain: false });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'faceverify web page',
      defaultRootObject: 'index.html',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
          comment: 'faceverify web page security headers',
          securityHeadersBehavior: securityHeaders(props.connectSources),
          customHeadersBehavior: {
            customHeaders: [
              // The page may use the camera for a selfie, and nothing else.
              {
                header: 'Permissions-Policy',
                value: 'camera=(self), microphone=(), geolocation=()',
                override: true,
              },
              { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
            ],
          },
        }),
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'A public demo page: no geographic restriction is wanted.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'A web ACL has a monthly fee the idle stack should not carry; the API has its own throttle.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'The page is static and public; the API access logs record the requests that matter.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom domain can.',
      },
    );
    this.origin = `https://${this.distribution.distributionDomainName}`;

    // One handler function serves both deployments; without this its logs would never expire.
    this.deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const files = new BucketDeployment(this, 'Files', {
      logGroup: this.deploymentLogs,
      sources: [Source.asset(props.siteDirectory)],
      destinationBucket: this.bucket,
      // config.json belongs to addRuntimeConfig's deployment: keep prune from deleting it.
      exclude: [SITE_CONFIG_FILE],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    this.acknowledgeDeploymentFunction(files);
  }

  /** Writes `config.json` at deploy time, so one page build serves every stage. */
  addRuntimeConfig(config: SiteRuntimeConfig): void {
    new BucketDeployment(this, 'RuntimeConfig', {
      logGroup: this.deploymentLogs,
      sources: [Source.jsonData(SITE_CONFIG_FILE, config)],
      destinationBucket: this.bucket,
      prune: false,
      // Browsers must revalidate, so a redeploy that changes the API is seen at once.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: [`/${SITE_CONFIG_FILE}`],
    });
  }

  /**
   * BucketDeployment runs a CDK-owned function (one per stack, shared by both deployments) whose
   * runtime and grants aws-cdk-lib sets: it reads the page from the CDK assets bucket, syncs it into
   * this bucket with deletes, and invalidates the distribution.
   */
  private acknowledgeDeploymentFunction(deployment: BucketDeployment): void {
    const handler = deployment.handlerRole.node.scope;
    if (!handler) return;
    const qualifier =
      Stack.of(this).synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const sync =
      'CDK BucketDeployment syncs (copy and prune) the page from the CDK assets bucket into this one.';
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason: 'CDK BucketDeployment handler: aws-cdk-lib sets and upgrades its runtime.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK BucketDeployment handler: the managed policy only grants CloudWatch Logs writes.',
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: sync,
      })),
      { id: this.bucket.objectsWildcardFinding(), reason: sync },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
        reason: sync,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudFront CreateInvalidation and GetInvalidation take no resource-level permission.',
      },
    );
  }
}

function securityHeaders(connectSources: readonly string[]): cloudfront.ResponseSecurityHeadersBehavior {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ${connectSources.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
    strictTransportSecurity: {
      accessControlMaxAge: Duration.days(730),
      includeSubdomains: true,
      override: true,
    },
    contentTypeOptions: { override: true },
    frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
    referrerPolicy: {
      referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
      override: true,
    },
    // "0" turns off the legacy XSS auditor, which itself enabled attacks; the CSP does this job now.
    xssProtection: { protection: false, override: true },
  };
}
