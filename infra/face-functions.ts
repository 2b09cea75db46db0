/**
 * One container image, one Lambda function per FUNCTIONS entry: each function runs the same image with
 * its own CMD, memory and timeout.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENVIRONMENT, powertoolsEnvironment } from '../functions/shared/contract.ts';
import type { AuthMode, Detector } from './config.ts';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, imageCommand, TARGET } from './functions.ts';

export interface FaceFunctionsProps {
  /**
   * The Docker build context: the folder `npm run build:lambda` writes. Synth only copies it into the
   * cloud assembly; the CDK CLI builds the image at deploy time, so synth needs no Docker engine.
   */
  readonly imageDirectory: string;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The face detector every function loads. */
  readonly detector: Detector;
  /** The API's auth mode: where the handlers read the caller's identity from. */
  readonly auth: AuthMode;
}

const ARCHITECTURE = {
  x64: { lambda: lambda.Architecture.X86_64, docker: Platform.LINUX_AMD64 },
  arm64: { lambda: lambda.Architecture.ARM_64, docker: Platform.LINUX_ARM64 },
} as const;

export class FaceFunctions extends Construct {
  readonly image: DockerImageAsset;
  readonly functions: Readonly<Record<FunctionName, lambda.DockerImageFunction>>;

  constructor(scope: Construct, id: string, props: FaceFunctionsProps) {
    super(scope, id);
    const architecture = ARCHITECTURE[TARGET.arch];
    this.image = new DockerImageAsset(this, 'Image', {
      directory: props.imageDirectory,
      platform: architecture.docker,
    });
    const entries = FUNCTION_NAMES.map((name) => {
      const spec = FUNCTIONS[name];
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        removalPolicy: props.logRemovalPolicy,
      });
      // Its own role, writing to its own log group only, instead of the account-wide managed policy.
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      logGroup.grantWrite(role);
      const fn = new lambda.DockerImageFunction(this, name, {
        description: `faceverify ${name} (${spec.entry})`,
        code: lambda.DockerImageCode.fromEcr(this.image.repository, {
          tagOrDigest: this.image.imageTag,
          cmd: imageCommand(name),
        }),
        architecture: architecture.lambda,
        memorySize: spec.memoryMiB,
        timeout: Duration.seconds(spec.timeoutSeconds),
        environment: {
          ...powertoolsEnvironment(name),
          [ENVIRONMENT.detector]: props.detector,
          [ENVIRONMENT.auth]: props.auth,
          ...('workers' in spec && { [ENVIRONMENT.workers]: String(spec.workers) }),
        },
        role,
        logGroup,
      });
      return [name, fn] as const;
    });
    this.functions = Object.fromEntries(entries) as Record<FunctionName, lambda.DockerImageFunction>;
  }
}
