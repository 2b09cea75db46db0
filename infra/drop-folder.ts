/**
 * The drop folder: images put under `incoming/` are verified in pairs (or detected in) and photos put
 * under `enrol/` enrolled into collections by the drop handler, which writes under `results/`.
 *
 * S3 notifies an SQS queue rather than the function. S3's direct, asynchronous invocation retries twice
 * and then drops the event, and throttling (a bulk drop) can age events out; a queue holds them for days,
 * lets the event source cap concurrency, retries one failed record without its batch
 * (reportBatchItemFailures), and parks a pair that keeps failing in a dead-letter queue for redrive.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DROP_JOB_PREFIXES, DROP_PREFIXES, DROP_QUEUE, ENVIRONMENT } from '../functions/shared/contract.ts';
import { PrivateBucket, type PrivateBucketProps } from './private-bucket.ts';

const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);
const LAMBDA_BASIC_EXECUTION = 'service-role/AWSLambdaBasicExecutionRole';

export interface DropFolderProps {
  /** Receives SQS batches whose record bodies are S3 event notifications for `incoming/` and `enrol/`. */
  readonly handler: lambda.Function;
  readonly resultsRetentionDays: number;
  readonly accessLogs: PrivateBucketProps['accessLogs'];
  readonly retain: boolean;
}

export class DropFolder extends Construct {
  readonly bucket: PrivateBucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DropFolderProps) {
    super(scope, id);
    const parkedFor = Duration.days(DROP_QUEUE.retentionDays);
    this.bucket = new PrivateBucket(this, 'Bucket', {
      accessLogs: props.accessLogs,
      retain: props.retain,
      notificationsHandlerRole: notificationsHandlerRole(this),
      lifecycleRules: [
        // As long as a dead-lettered message stays redrivable, so a redrive still finds its images.
        { id: 'expire-incoming', prefix: DROP_PREFIXES.incoming, expiration: parkedFor },
        { id: 'expire-enrol', prefix: DROP_PREFIXES.enrol, expiration: parkedFor },
        {
          id: 'expire-results',
          prefix: DROP_PREFIXES.results,
          expiration: Duration.days(props.resultsRetentionDays),
        },
      ],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: parkedFor,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue; its messages are redriven by hand, not dead-lettered again.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed keys: S3 cannot publish to a queue encrypted with the AWS-managed KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice: six times the function timeout, so a batch it retries after throttling stays hidden.
      visibilityTimeout: Duration.seconds(6 * (props.handler.timeout ?? LAMBDA_DEFAULT_TIMEOUT).toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DROP_QUEUE.maxReceiveCount },
    });

    for (const prefix of DROP_JOB_PREFIXES) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
        prefix,
      });
    }
    props.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: DROP_QUEUE.batchSize,
        maxConcurrency: DROP_QUEUE.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    props.handler.addEnvironment(ENVIRONMENT.dropBucket, this.bucket.bucketName);
    // Inputs are deleted once their result is written; an existing result is read back to recognise a
    // redelivered event, and replaced (If-Match) only when it says processing failed.
    for (const prefix of DROP_JOB_PREFIXES) {
      this.bucket.grantObjects(props.handler, ['s3:GetObject', 's3:DeleteObject'], prefix);
    }
    this.bucket.grantObjects(props.handler, ['s3:GetObject', 's3:PutObject'], DROP_PREFIXES.results);
    // Listing finds a pair's files, and tells a missing key (404) from a denied read (403).
    props.handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: {
          StringLike: { 's3:prefix': [...DROP_JOB_PREFIXES, DROP_PREFIXES.results].map((p) => `${p}*`) },
        },
      }),
    );
  }
}

/** CDK's custom resource that configures the notification runs once per deploy with this role. */
function notificationsHandlerRole(scope: Construct): iam.Role {
  const role = new iam.Role(scope, 'NotificationsHandlerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(LAMBDA_BASIC_EXECUTION)],
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${LAMBDA_BASIC_EXECUTION}]`,
    reason: 'Only CloudWatch Logs writes, for a deploy-time function whose log group name is not known here.',
  });
  return role;
}
