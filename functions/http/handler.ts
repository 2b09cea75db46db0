/**
 * One Lambda handler for a set of routes: dispatch by method and path (404, 405, CORS preflight),
 * the error body for every failure, and one structured log line and one metrics blob per request.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { FaceVerifyError } from '../core/errors.ts';
import { describeError, type ErrorBody } from '../shared/errors.ts';
import { invocationMetrics, logger, MetricUnit } from '../shared/observability.ts';
import { type HttpRequest, toHttpRequest } from './request.ts';
import { emptyResult, jsonResult } from './responses.ts';

export type RouteKey = `${'GET' | 'POST'} /${string}`;

/** Facts for the request's log line: sizes, counts, outcomes. Never image data. */
export type LogFacts = Record<string, string | number | boolean>;

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  log?: LogFacts;
}

export type Route = (request: HttpRequest) => Promise<RouteResult>;

export type HttpHandler = ((
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyStructuredResultV2>) & {
  /** What this handler serves, for the local server's router. */
  readonly routes: readonly RouteKey[];
};

/** A request answered: the proxy result, and the facts for its log line. */
interface Handled {
  result: APIGatewayProxyStructuredResultV2;
  log: LogFacts;
}

export function httpHandler(routes: Partial<Record<RouteKey, Route>>): HttpHandler {
  const keys = Object.keys(routes) as RouteKey[];
  const handle = async (event: APIGatewayProxyEventV2, context?: Pick<Context, 'awsRequestId'>) => {
    const started = performance.now();
    const request = toHttpRequest(event);
    const key = `${request.method} ${request.path}` as RouteKey;
    const route = routes[key] ? key : 'unmatched';
    let outcome: Handled;
    try {
      outcome = await dispatch(request, key, routes);
    } catch (error) {
      const { status, body, expected } = describeError(error, request.requestId);
      if (!expected) logger.error('request failed', { route, requestId: request.requestId, error });
      outcome = { result: jsonResult(status, body), log: { errorCode: body.error.code } };
    }
    const status = outcome.result.statusCode ?? 200;
    const durationMs = Math.round(performance.now() - started);
    logger.info('request', {
      route,
      status,
      durationMs,
      requestBytes: request.body.length,
      requestId: request.requestId,
      ...(context && { awsRequestId: context.awsRequestId }),
      ...outcome.log,
    });
    publishMetrics(route, status, durationMs);
    return outcome.result;
  };
  return Object.assign(handle, { routes: keys });
}

async function dispatch(
  request: HttpRequest,
  key: RouteKey,
  routes: Partial<Record<RouteKey, Route>>,
): Promise<Handled> {
  const route = routes[key];
  if (route) {
    const { status = 200, body, headers, log = {} } = await route(request);
    return { result: jsonResult(status, body, headers), log };
  }
  const allowed = Object.keys(routes)
    .filter((candidate) => candidate.endsWith(` ${request.path}`))
    .map((candidate) => candidate.split(' ')[0]);
  if (allowed.length === 0) {
    throw new FaceVerifyError('NotFound', `There is no ${request.path} here.`);
  }
  const allow = [...allowed, 'OPTIONS'].join(', ');
  if (request.method === 'OPTIONS') {
    // A CORS preflight; API Gateway answers it itself on AWS, the local server does not.
    const preflight = {
      'access-control-allow-methods': allow,
      'access-control-allow-headers': 'content-type, authorization, x-amz-date, x-amz-security-token',
      'access-control-max-age': '3600',
    };
    return { result: emptyResult(204, { allow, ...preflight }), log: {} };
  }
  const body: ErrorBody = {
    error: {
      code: 'MethodNotAllowed',
      message: `${request.path} accepts ${allowed.join(', ')}, not ${request.method}.`,
    },
  };
  return { result: jsonResult(405, body, { allow }), log: { errorCode: 'MethodNotAllowed' } };
}

function publishMetrics(route: string, status: number, durationMs: number): void {
  const metrics = invocationMetrics({ route });
  metrics.addMetric('Latency', MetricUnit.Milliseconds, durationMs);
  const outcome = status >= 500 ? 'ServerError' : status >= 400 ? 'ClientError' : 'Success';
  metrics.addMetric(outcome, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
