/**
 * The one way this app makes a bucket: private, encrypted, TLS-only, logged. Each concern adds only
 * what is its own (lifecycle, CORS); nothing here can be turned off by a prop.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PrivateBucketProps {
  /** Where S3 writes this bucket's server access logs; only the access-logs bucket itself has none. */
  readonly accessLogs: { readonly bucket: s3.IBucket; readonly prefix: string } | undefined;
  /** Keep the bucket and its objects when the stack is deleted; otherwise empty and delete it. */
  readonly retain: boolean;
  readonly lifecycleRules?: s3.LifecycleRule[];
  readonly cors?: s3.CorsRule[];
  /** The role CDK's notification custom resource runs with, when the bucket sends events. */
  readonly notificationsHandlerRole?: iam.IRole;
}

export class PrivateBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id, {
      // SSE-S3 rather than a customer key: a KMS key costs a monthly fee the idle stack should not have,
      // and S3 server access logging cannot write to SSE-KMS buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogs?.bucket,
      serverAccessLogsPrefix: props.accessLogs?.prefix,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(props.lifecycleRules ?? []),
      ],
      cors: props.cors,
      notificationsHandlerRole: props.notificationsHandlerRole,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retain,
    });
  }

  /**
   * Grants exactly `actions` on the objects under `prefix`, where `grant*` methods would add wildcard
   * actions. Object keys are chosen at run time, so the resource itself must end in `*`: that cdk-nag
   * finding is acknowledged on the grantee's role, for this bucket and prefix only.
   */
  grantObjects(grantee: iam.IGrantable, actions: readonly string[], prefix = ''): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions], resources: [this.arnForObjects(`${prefix}*`)] }),
    );
    if (!Construct.isConstruct(principal)) return;
    Validations.of(principal).acknowledge({
      id: this.objectsWildcardFinding(prefix),
      reason: `Object keys are chosen at run time; the grant is ${actions.join(', ')} under '${prefix}' in one bucket.`,
    });
  }

  /** cdk-nag's id for a policy naming every object under `prefix` in this bucket. */
  objectsWildcardFinding(prefix = ''): string {
    const logicalId = Stack.of(this).getLogicalId(this.node.defaultChild as s3.CfnBucket);
    return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`;
  }
}

/** Receives every other bucket's server access logs. */
export class AccessLogsBucket extends PrivateBucket {
  static readonly RETENTION = Duration.days(90);

  constructor(scope: Construct, id: string, props: { readonly retain: boolean }) {
    super(scope, id, {
      accessLogs: undefined,
      retain: props.retain,
      lifecycleRules: [{ id: 'expire-logs', expiration: AccessLogsBucket.RETENTION }],
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-logs bucket; logging it into itself would log its own log writes forever.',
    });
  }

  /** The log destination for one bucket, under its own prefix. */
  for(prefix: string): PrivateBucketProps['accessLogs'] {
    return { bucket: this, prefix: `${prefix}/` };
  }
}
