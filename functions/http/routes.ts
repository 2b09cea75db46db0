/**
 * The route table: every route of the HTTP API, once. The CDK API (infra/api.ts), the local server, each
 * function's dispatch (dispatch.ts) and the tests read it; functions/http/openapi.json describes each
 * route under its operationId (test/http/routes.test.ts holds the three to agreement). Free of CDK
 * imports, so a Lambda bundle can carry it.
 *
 * A new route is one entry here, its operation in openapi.json, and its implementation under that
 * operationId in the handlers of the function named here (functions/handlers/<function>.ts).
 */
import type { HttpFunctionName } from '../shared/contract.ts';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * `public`: answers anyone, in every auth mode. `authorized`: the deployment's authorizer (JWT or IAM)
 * admits the caller first, and the handler learns who it is (HttpRequest.principal).
 */
export type Access = 'public' | 'authorized';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway's path template: literal segments and `{param}` segments, e.g. `/collections/{collectionId}`. */
  readonly path: `/${string}`;
  /** The Lambda function that serves it. */
  readonly function: HttpFunctionName;
  readonly access: Access;
  /** Its operation's operationId in openapi.json, and the name its handler is registered under. */
  readonly operationId: string;
  /** Decodes images and runs the models: the local server's work limiter bounds it. */
  readonly imageWork: boolean;
}

export const ROUTES = [
  {
    method: 'POST',
    path: '/detect',
    function: 'detect',
    access: 'authorized',
    operationId: 'detect',
    imageWork: true,
  },
  {
    method: 'POST',
    path: '/verify',
    function: 'verify',
    access: 'authorized',
    operationId: 'verify',
    imageWork: true,
  },
  {
    method: 'POST',
    path: '/uploads',
    function: 'uploads',
    access: 'authorized',
    operationId: 'createUploads',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/health',
    function: 'meta',
    access: 'public',
    operationId: 'health',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/openapi.json',
    function: 'meta',
    access: 'public',
    operationId: 'openapi',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/collections',
    function: 'collections',
    access: 'authorized',
    operationId: 'listCollections',
    imageWork: false,
  },
  {
    method: 'PUT',
    path: '/collections/{collectionId}',
    function: 'collections',
    access: 'authorized',
    operationId: 'createCollection',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/collections/{collectionId}',
    function: 'collections',
    access: 'authorized',
    operationId: 'getCollection',
    imageWork: false,
  },
  {
    method: 'DELETE',
    path: '/collections/{collectionId}',
    function: 'collections',
    access: 'authorized',
    operationId: 'deleteCollection',
    imageWork: false,
  },
  {
    method: 'POST',
    path: '/collections/{collectionId}/faces',
    function: 'collections',
    access: 'authorized',
    operationId: 'indexFaces',
    imageWork: true,
  },
  {
    method: 'GET',
    path: '/collections/{collectionId}/faces',
    function: 'collections',
    access: 'authorized',
    operationId: 'listFaces',
    imageWork: false,
  },
  {
    method: 'DELETE',
    path: '/collections/{collectionId}/faces/{faceId}',
    function: 'collections',
    access: 'authorized',
    operationId: 'deleteFace',
    imageWork: false,
  },
  {
    method: 'DELETE',
    path: '/collections/{collectionId}/subjects/{externalId}',
    function: 'collections',
    access: 'authorized',
    operationId: 'deleteSubject',
    imageWork: false,
  },
  {
    method: 'POST',
    path: '/collections/{collectionId}/search',
    function: 'collections',
    access: 'authorized',
    operationId: 'searchFaces',
    imageWork: true,
  },
] as const satisfies readonly RouteSpec[];

export type Route = (typeof ROUTES)[number];
export type OperationId = Route['operationId'];
/** The operations one function serves: what its handlers must implement, no more, no less. */
export type OperationOf<F extends HttpFunctionName> = Extract<Route, { function: F }>['operationId'];

/** `POST /detect`, `DELETE /collections/{collectionId}`: API Gateway's route key. */
export type RouteKey = `${HttpMethod} /${string}`;

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): RouteKey {
  return `${route.method} ${route.path}`;
}

/**
 * The path parameters of `path` under `template`, or undefined when it does not match. Each segment is
 * matched as sent (percent-encoded) and a parameter's value percent-decoded, as API Gateway hands them
 * over; a `{param}` matches one non-empty segment; a malformed escape matches nothing.
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i] as string;
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (decode(actual) !== segment) return undefined;
      continue;
    }
    const value = decode(actual);
    if (value === undefined || value === '') return undefined;
    params[name] = value;
  }
  return params;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export interface RouteMatch {
  route: RouteSpec;
  params: Record<string, string>;
}

/** The route of the table `method` and `path` ask for, or, without one, the methods the path takes. */
export function findRoute(
  method: string,
  path: string,
  routes: readonly RouteSpec[] = ROUTES,
): { match: RouteMatch | undefined; allowed: HttpMethod[] } {
  let match: RouteMatch | undefined;
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    allowed.push(route.method);
    if (!match && route.method === method) match = { route, params };
  }
  return { match, allowed };
}
