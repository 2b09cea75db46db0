/**
 * The HTTP API (API Gateway v2): the route table's routes (functions/http/routes.ts), each onto the
 * function it names, with the deployment's authorizer on the caller-authorized ones; CORS for the
 * site's origin only; a throttled `$default` stage with JSON access logs.
 */
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_METHODS, ROUTES } from '../functions/http/routes.ts';
import type { HttpFunctionName } from '../functions/shared/contract.ts';
import type { ApiAuth } from './api-auth.ts';

/** The methods browsers may use across origins: the table's, and the preflight's own. */
const CORS_METHODS: CorsHttpMethod[] = [
  ...HTTP_METHODS.filter((method) => ROUTES.some((route) => route.method === method)),
  'OPTIONS' as const,
].map((method) => CorsHttpMethod[method]);

export interface ApiProps {
  readonly handlers: Readonly<Record<HttpFunctionName, lambda.IFunction>>;
  readonly auth: ApiAuth;
  /** The only origins browsers may call the API from: the site's (and a development page's). */
  readonly allowedOrigins: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** Base URL, ending in `/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'faceverify: face detection and verification',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: CORS_METHODS,
        allowHeaders: [...props.auth.corsAllowHeaders],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;

    const integrations = new Map<HttpFunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.function}Integration`,
          props.handlers[route.function],
        );
        integrations.set(route.function, integration);
      }
      const open = route.access === 'public';
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: open ? new HttpNoneAuthorizer() : props.auth.authorizer,
      });
      if (created && (open || props.auth.mode === 'none')) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: open
            ? 'A public route by design (the route table): it exposes no caller data and runs no model.'
            : 'auth=none is the opt-in demo mode, chosen explicitly by context; the stage throttle bounds its cost.',
        });
      }
    }
  }
}

/** HTTP API context variables, one JSON object per request. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  route: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  iamUser: '$context.identity.userArn',
  jwtSub: '$context.authorizer.claims.sub',
};
