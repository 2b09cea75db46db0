/**
 * The HTTP API (API Gateway v2): five routes onto four functions, CORS for the site's origin only,
 * a throttled `$default` stage with JSON access logs.
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
import { isPublicRoute } from '../functions/http/routes.ts';
import type { ApiAuth } from './api-auth.ts';
import type { FunctionName } from './functions.ts';

type ApiHandlerName = Exclude<FunctionName, 'drop'>;

interface RouteSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: ApiHandlerName;
  /** Public routes (functions/http/routes.ts) answer without credentials in every auth mode. */
  readonly public: boolean;
}

const route = (method: HttpMethod, path: string, handler: ApiHandlerName): RouteSpec => ({
  method,
  path,
  handler,
  public: isPublicRoute(`${method} ${path}`),
});

export const ROUTES: readonly RouteSpec[] = [
  route(HttpMethod.POST, '/detect', 'detect'),
  route(HttpMethod.POST, '/verify', 'verify'),
  route(HttpMethod.POST, '/uploads', 'uploads'),
  route(HttpMethod.GET, '/health', 'meta'),
  route(HttpMethod.GET, '/openapi.json', 'meta'),
];

export interface ApiProps {
  readonly handlers: Readonly<Record<ApiHandlerName, lambda.IFunction>>;
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
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
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

    const integrations = new Map<ApiHandlerName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handler}Integration`, props.handlers[route.handler]);
        integrations.set(route.handler, integration);
      }
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        authorizer: route.public ? new HttpNoneAuthorizer() : props.auth.authorizer,
      });
      if (created && (route.public || props.auth.mode === 'none')) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: route.public
            ? 'Health and the OpenAPI document are public by design: they expose no data and run no model.'
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
