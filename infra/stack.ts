/**
 * faceverify's whole deployment: functions, API, drop folder, uploads and web page in one stack.
 * Environment-agnostic (no account or region at synth), so `cdk synth` needs no AWS credentials.
 */
import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { OidcConfig } from '../functions/shared/site-config.ts';
import { Api } from './api.ts';
import { ApiAuth, type ApiAuthProps } from './api-auth.ts';
import { CollectionsStore } from './collections-store.ts';
import type { FaceVerifyConfig } from './config.ts';
import { DropFolder } from './drop-folder.ts';
import { FaceFunctions } from './face-functions.ts';
import { AccessLogsBucket } from './private-bucket.ts';
import { UploadBucket } from './upload-bucket.ts';
import { defaultDomainPrefix, UserPoolSignIn } from './user-pool.ts';
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
  readonly collections: CollectionsStore;
  /** With auth=jwt: the user pool, the page's client and the sign-in domain. */
  readonly signIn: UserPoolSignIn | undefined;

  constructor(scope: Construct, id: string, props: FaceVerifyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', { retain: config.retainData });
    const domainPrefix = config.authDomainPrefix ?? defaultDomainPrefix(this, config.stage);

    this.functions = new FaceFunctions(this, 'Functions', {
      imageDirectory: props.imageDirectory,
      logRetention: LOG_RETENTION,
      logRemovalPolicy: removalPolicy,
      detector: config.detector,
      auth: config.auth,
    });
    const { detect, verify, uploads, meta, drop, collections } = this.functions.functions;

    // Wildcards, not the exact hosts: the API and the upload bucket name the site's origin in their CORS
    // rules, so naming them back here would be a dependency cycle.
    const regionalHost = (service: string) => `https://*.${service}.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    this.website = new Website(this, 'Website', {
      siteDirectory: props.siteDirectory,
      connectSources: [
        regionalHost('execute-api'),
        regionalHost('s3'),
        `https://*.s3.${Aws.URL_SUFFIX}`,
        // Exact origins, known before the pool exists: discovery and the token endpoint.
        ...(config.auth !== 'jwt'
          ? []
          : config.oidcIssuer
            ? [new URL(config.oidcIssuer).origin]
            : UserPoolSignIn.connectOrigins(domainPrefix)),
      ],
      accessLogs: accessLogs.for('website'),
    });
    const siteOrigin = config.siteOrigin ?? this.website.origin;
    // Browsers may call from the site, and from a development page when one is allowed.
    const allowedOrigins = [siteOrigin, ...(config.devOrigin ? [config.devOrigin] : [])];

    // With auth=jwt: Cognito by default, or the provider oidcIssuer names.
    this.signIn =
      config.auth === 'jwt' && !config.oidcIssuer
        ? new UserPoolSignIn(this, 'SignIn', {
            // The page's own URLs, where sign-in and sign-out come back to; the first is the one Cognito's
            // logout returns to, so the site's public origin leads.
            pageUrls: [siteOrigin, config.siteOrigin && this.website.origin, config.devOrigin].flatMap(
              (origin) => (origin ? [`${origin}/`] : []),
            ),
            domainPrefix,
            selfSignUp: config.selfSignUp,
            removalPolicy,
          })
        : undefined;
    const oidc = this.signIn?.pageConfig() ?? externalProvider(config);
    const auth = new ApiAuth(this, 'Auth', apiAuthProps(config.auth, oidc));

    this.api = new Api(this, 'Api', {
      handlers: { detect, verify, uploads, meta, collections },
      auth,
      allowedOrigins,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      logRetention: LOG_RETENTION,
      logRemovalPolicy: removalPolicy,
    });
    this.uploads = new UploadBucket(this, 'Uploads', {
      presigner: uploads,
      readers: [detect, verify],
      allowedOrigins,
      accessLogs: accessLogs.for('uploads'),
    });
    this.collections = new CollectionsStore(this, 'Collections', {
      handler: collections,
      deletionProtection: config.collectionsDeletionProtection,
      removalPolicy,
    });
    this.dropFolder = new DropFolder(this, 'DropFolder', {
      handler: drop,
      resultsRetentionDays: config.resultsRetentionDays,
      accessLogs: accessLogs.for('drop'),
      retain: config.retainData,
    });
    // Uploads under the drop folder's enrol/ are enrolled into collections.
    this.collections.grantEnrol(drop);

    this.website.addRuntimeConfig({
      apiUrl: this.api.url,
      auth: config.auth,
      region: Aws.REGION,
      ...(oidc && { oidc }),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'SiteUrl', { value: `${this.website.origin}/` });
    new CfnOutput(this, 'DropBucketName', { value: this.dropFolder.bucket.bucketName });
    if (this.signIn) {
      new CfnOutput(this, 'UserPoolId', { value: this.signIn.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.signIn.client.userPoolClientId });
      new CfnOutput(this, 'SignInDomain', { value: this.signIn.signInOrigin });
    }
  }
}

/** The authorizer's settings: the page's provider and client with auth=jwt. */
function apiAuthProps(mode: FaceVerifyConfig['auth'], oidc: OidcConfig | undefined): ApiAuthProps {
  if (mode !== 'jwt') return { mode };
  if (!oidc)
    throw new Error('auth=jwt needs a provider: a Cognito user pool, or oidcIssuer and oidcClientId');
  return { mode, issuer: oidc.issuer, audience: [oidc.clientId] };
}

/** The page's client at the provider `oidcIssuer` names, when sign-in is not Cognito's. */
function externalProvider(config: FaceVerifyConfig): OidcConfig | undefined {
  if (!config.oidcIssuer || !config.oidcClientId) return undefined;
  return { issuer: config.oidcIssuer, clientId: config.oidcClientId, scope: 'openid email' };
}
