/**
 * One Lambda function's HTTP handler: the routes the table (routes.ts) gives that function, each
 * dispatched by its template to the handler registered under its operationId; 404, 405 and the CORS
 * preflight for the rest; the error body for every failure; one structured log line and one metrics
 * blob per request.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { FaceVerifyError } from '../core/errors.ts';
import type { AuthMode, HttpFunctionName } from '../shared/contract.ts';
import { invocationMetrics, logger, MetricUnit } from '../shared/observability.ts';
import { describeError, type ErrorBody } from './error-body.ts';
import { type ApiEvent, type HttpRequest, pathParameters, toHttpRequest } from './request.ts';
import { emptyResult, jsonResult } from './responses.ts';
import { findRoute, type OperationOf, ROUTES, type RouteSpec, routeKey } from './routes.ts';

/** Facts for the request's log line: sizes, counts, outcomes. Never image data. */
export type LogFacts = Record<string, string | number | boolean>;

interface ResultExtras {
  headers?: Record<string, string>;
  log?: LogFacts;
}

/** 200 (the default) or 201 with a JSON body; 204 without one. */
export type RouteResult =
  | ({ status?: 200 | 201; body: unknown } & ResultExtras)
  | ({ status: 204; body?: undefined } & ResultExtras);

export type RouteHandler = (request: HttpRequest) => Promise<RouteResult>;

/** A function's handlers: one per operation the route table gives it, by operationId. */
export type Handlers<F extends HttpFunctionName> = Record<OperationOf<F>, RouteHandler>;

export interface HttpSettings {
  /** The deployment's auth mode: where the caller's identity is read from. */
  auth: AuthMode;
}

export type HttpHandler = ((
  event: ApiEvent,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyStructuredResultV2>) & {
  readonly function: HttpFunctionName;
  /** What this handler serves: its function's rows of the route table, each with a handler. */
  readonly routes: readonly RouteSpec[];
};

/** A request answered: the proxy result, and the facts for its log line. */
interface Handled {
  result: APIGatewayProxyStructuredResultV2;
  log: LogFacts;
}

/** A route of the table with the request's parameters, or why there is none. */
type Resolved = { route: RouteSpec; params: Record<string, string> } | { allowed: string[] };

export function httpHandler<F extends HttpFunctionName>(
  name: F,
  handlers: Handlers<F>,
  settings: HttpSettings,
): HttpHandler {
  return tableHandler(name, handlers, settings, ROUTES);
}

/** httpHandler over a route table given (tests try routes the service does not have yet). */
export function tableHandler(
  name: HttpFunctionName,
  handlers: Readonly<Record<string, RouteHandler>>,
  settings: HttpSettings,
  table: readonly RouteSpec[],
): HttpHandler {
  const routes = table.filter((route) => route.function === name);
  const registered = Object.keys(handlers).sort();
  const expected = routes.map((route) => route.operationId).sort();
  if (registered.join() !== expected.join()) {
    throw new Error(
      `${name} registers handlers for ${registered.join(', ') || 'nothing'}; the route table gives it ${expected.join(', ')}`,
    );
  }
  const handle = async (event: ApiEvent, context?: Pick<Context, 'awsRequestId'>) => {
    const started = performance.now();
    const resolved = resolve(routes, table, event);
    const request = toHttpRequest(event, settings.auth, 'route' in resolved ? resolved.params : {});
    const route = 'route' in resolved ? routeKey(resolved.route) : 'unmatched';
    let outcome: Handled;
    try {
      outcome =
        'route' in resolved
          ? await answer(
              resolved.route,
              handlers[resolved.route.operationId] as RouteHandler,
              request,
              settings,
            )
          : refuse(request, resolved.allowed);
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
      ...(request.principal !== undefined && { principal: request.principal }),
      ...outcome.log,
    });
    publishMetrics(route, status, durationMs);
    return outcome.result;
  };
  return Object.assign(handle, { function: name, routes });
}

/**
 * The route API Gateway matched (its route key, its decoded parameters), or, for an event without one
 * of this function's keys (the local server's `$default`), the table's own match of method and path.
 */
function resolve(own: readonly RouteSpec[], table: readonly RouteSpec[], event: ApiEvent): Resolved {
  const method = event.requestContext.http.method.toUpperCase();
  const keyed = own.find((route) => routeKey(route) === event.routeKey);
  if (keyed) return { route: keyed, params: pathParameters(event) };
  const { match, allowed } = findRoute(method, event.rawPath, table);
  if (match && own.includes(match.route)) return match;
  return { allowed };
}

async function answer(
  route: RouteSpec,
  handler: RouteHandler,
  request: HttpRequest,
  settings: HttpSettings,
): Promise<Handled> {
  if (route.access === 'authorized' && settings.auth !== 'none' && request.principal === undefined) {
    // The authorizer admits no one without an identity: a missing one is a wiring fault, never "anyone".
    throw new Error(`${routeKey(route)} reached the handler with auth=${settings.auth} and no principal`);
  }
  const result = await handler(request);
  const log = result.log ?? {};
  if (result.status === 204) return { result: emptyResult(204, result.headers), log };
  return { result: jsonResult(result.status ?? 200, result.body, result.headers), log };
}

/** 404 for a path no route has; the CORS preflight, or 405 naming the methods it takes, for one it has. */
function refuse(request: HttpRequest, allowed: readonly string[]): Handled {
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
