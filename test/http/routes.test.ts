/**
 * The route table (functions/http/routes.ts) against what serves it and what describes it: every route
 * has its handler registered under its operationId and its operation in openapi.json, and nothing else
 * is served or documented. Then dispatch by template, as API Gateway and the local server deliver events:
 * path parameters, 201 and 204, the caller's identity per auth mode, 404, 405 and the preflight.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { httpHandlers } from '../../functions/handlers/registry.ts';
import { type HttpHandler, type RouteHandler, tableHandler } from '../../functions/http/dispatch.ts';
import openapi from '../../functions/http/openapi.json' with { type: 'json' };
import type { ApiEvent, HttpRequest } from '../../functions/http/request.ts';
import { findRoute, matchPath, ROUTES, type RouteSpec, routeKey } from '../../functions/http/routes.ts';
import { jwtAuthorizerContext } from '../../functions/local/jwt-authorizer.ts';
import { FUNCTION_NAMES } from '../../functions/shared/contract.ts';
import { logger } from '../../functions/shared/observability.ts';
import { createRuntime } from '../../functions/shared/runtime.ts';
import { runtimeConfig } from '../../functions/shared/runtime-config.ts';
import { FUNCTIONS } from '../../infra/functions.ts';
import { fixtureEvent } from '../handlers/events.ts';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
logger.setLogLevel('ERROR');

type Operation = { operationId?: string; security?: unknown[] };
const operations = Object.entries(openapi.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      ...operation,
    })),
);

describe('the route table', () => {
  it('and openapi.json name the same routes under the same operationIds', () => {
    const table = ROUTES.map((route) => `${routeKey(route)} ${route.operationId}`).sort();
    const documented = operations.map(({ key, operationId }) => `${key} ${operationId}`).sort();
    expect(table).toEqual(documented);
    expect(new Set(ROUTES.map((route) => route.operationId)).size).toBe(ROUTES.length);
  });

  it('says public exactly where openapi.json asks for no credentials (security: [])', () => {
    for (const route of ROUTES) {
      const operation = operations.find(({ key }) => key === routeKey(route));
      expect(operation?.security, routeKey(route)).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
    }
  });

  it('names functions of the one list, each with a Lambda entry', () => {
    for (const route of ROUTES) {
      expect(FUNCTION_NAMES).toContain(route.function);
      expect(FUNCTIONS[route.function].entry).toBe(`functions/lambda/${route.function}.ts`);
    }
  });

  describe('and the handlers', () => {
    let handlers: Record<string, HttpHandler>;
    beforeAll(async () => {
      logger.setLogLevel('ERROR');
      handlers = await httpHandlers(createRuntime(runtimeConfig({})));
    });

    it('register every route under its function, and no other', () => {
      const served = Object.values(handlers).flatMap((handler) =>
        handler.routes.map((route) => `${handler.function} ${routeKey(route)} ${route.operationId}`),
      );
      const table = ROUTES.map((route) => `${route.function} ${routeKey(route)} ${route.operationId}`);
      expect(served.sort()).toEqual(table.sort());
    });
  });

  it('refuses a function whose handlers are not the operations the table gives it', () => {
    const health: RouteHandler = async () => ({ body: {} });
    expect(() => tableHandler('meta', { health }, { auth: 'none' }, ROUTES)).toThrow(
      /meta registers handlers for health; the route table gives it health, openapi/,
    );
    expect(() =>
      tableHandler('meta', { health, openapi: health, extra: health }, { auth: 'none' }, ROUTES),
    ).toThrow(/registers handlers for extra, health, openapi/);
  });
});

describe('matchPath, as API Gateway matches a path template', () => {
  it('takes one non-empty segment per parameter, percent-decoded', () => {
    const template = '/collections/{collectionId}/faces/{faceId}';
    expect(matchPath(template, '/collections/team-a/faces/f1')).toEqual({
      collectionId: 'team-a',
      faceId: 'f1',
    });
    expect(matchPath(template, '/collections/team%20a/faces/%C3%A9%2F1')).toEqual({
      collectionId: 'team a',
      faceId: 'é/1',
    });
    expect(matchPath(template, '/collections//faces/f1')).toBeUndefined();
    expect(matchPath(template, '/collections/a/faces')).toBeUndefined();
    expect(matchPath(template, '/collections/a/faces/f1/more')).toBeUndefined();
    expect(matchPath(template, '/collections/%E0%A4%A/faces/f1')).toBeUndefined();
    expect(matchPath('/detect', '/detect')).toEqual({});
    expect(matchPath('/detect', '/verify')).toBeUndefined();
  });

  it('finds the route of a method, or the methods a path takes', () => {
    expect(findRoute('POST', '/detect').match?.route.operationId).toBe('detect');
    expect(findRoute('GET', '/detect')).toEqual({ match: undefined, allowed: ['POST'] });
    expect(findRoute('GET', '/nowhere')).toEqual({ match: undefined, allowed: [] });
  });
});

/** A table of routes the service does not have yet, served by one function. */
const THINGS: readonly RouteSpec[] = [
  {
    method: 'PUT',
    path: '/things/{thingId}',
    function: 'meta',
    access: 'authorized',
    operationId: 'putThing',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/things/{thingId}',
    function: 'meta',
    access: 'authorized',
    operationId: 'getThing',
    imageWork: false,
  },
  {
    method: 'DELETE',
    path: '/things/{thingId}/parts/{partId}',
    function: 'meta',
    access: 'authorized',
    operationId: 'deletePart',
    imageWork: false,
  },
  {
    method: 'GET',
    path: '/status',
    function: 'meta',
    access: 'public',
    operationId: 'status',
    imageWork: false,
  },
];

describe('dispatch by template', () => {
  const seen: HttpRequest[] = [];
  const record =
    (answer: Awaited<ReturnType<RouteHandler>>): RouteHandler =>
    async (request) => {
      seen.push(request);
      return answer;
    };
  const handlers = {
    putThing: record({ status: 201, body: { created: true } }),
    getThing: record({ body: { thing: true } }),
    deletePart: record({ status: 204 }),
    status: record({ body: { ok: true } }),
  };

  /** The recorded POST /detect event, re-routed as API Gateway would deliver this method and path. */
  function event(method: string, path: string, extra: Partial<ApiEvent> = {}): ApiEvent {
    const base = fixtureEvent('http-api-v2-get-health.json') as ApiEvent;
    const { match } = findRoute(method, path, THINGS);
    return {
      ...base,
      routeKey: match ? routeKey(match.route) : '$default',
      rawPath: path,
      ...(match && { pathParameters: match.params }),
      requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path } },
      ...extra,
    };
  }

  async function call(handler: HttpHandler, e: ApiEvent) {
    const result = (await handler(e)) as APIGatewayProxyStructuredResultV2;
    return { result, body: result.body ? JSON.parse(result.body) : undefined };
  }

  it('hands the handler the decoded parameters, and answers 201 and an empty 204', async () => {
    const open = tableHandler('meta', handlers, { auth: 'none' }, THINGS);
    const put = await call(open, event('PUT', '/things/a%20b'));
    expect(put.result.statusCode).toBe(201);
    expect(put.body).toEqual({ created: true });
    expect(seen.at(-1)?.params).toEqual({ thingId: 'a b' });
    expect(seen.at(-1)?.principal).toBeUndefined();

    const removed = await call(open, event('DELETE', '/things/t1/parts/p%2F2'));
    expect(removed.result.statusCode).toBe(204);
    expect(removed.result.body).toBeUndefined();
    expect(removed.result.headers?.['content-type']).toBeUndefined();
    expect(seen.at(-1)?.params).toEqual({ thingId: 't1', partId: 'p/2' });
  });

  it('matches the path itself when the event carries no route key of its own ($default)', async () => {
    const open = tableHandler('meta', handlers, { auth: 'none' }, THINGS);
    const got = await call(
      open,
      event('GET', '/things/x%3Ay', { routeKey: '$default', pathParameters: undefined }),
    );
    expect(got.result.statusCode).toBe(200);
    expect(seen.at(-1)?.params).toEqual({ thingId: 'x:y' });
  });

  it('answers 404 for a path the table lacks, 405 and the preflight for a method a path lacks', async () => {
    const open = tableHandler('meta', handlers, { auth: 'none' }, THINGS);
    const missing = await call(open, event('GET', '/things'));
    expect(missing.result.statusCode).toBe(404);
    expect(missing.body.error.code).toBe('NotFound');
    const wrong = await call(open, event('POST', '/things/t1'));
    expect(wrong.result.statusCode).toBe(405);
    expect(wrong.result.headers?.allow).toBe('PUT, GET, OPTIONS');
    const preflight = await call(open, event('OPTIONS', '/things/t1'));
    expect(preflight.result.statusCode).toBe(204);
    expect(preflight.result.headers?.['access-control-allow-methods']).toBe('PUT, GET, OPTIONS');
  });

  it("gives the caller's identity as the auth mode's authorizer states it", async () => {
    const claims = { sub: 'user-1', iss: 'https://idp.example', scope: 'openid email', exp: 1_900_000_000 };
    const authorizer = { ...jwtAuthorizerContext(claims), iam: { userArn: 'arn:aws:iam::1:user/x' } };
    const withAuthorizer = (e: ApiEvent): ApiEvent => ({
      ...e,
      requestContext: { ...e.requestContext, authorizer } as ApiEvent['requestContext'],
    });
    const jwt = tableHandler('meta', handlers, { auth: 'jwt' }, THINGS);
    await call(jwt, withAuthorizer(event('GET', '/things/t1')));
    expect(seen.at(-1)?.principal).toBe('user-1');
    const iam = tableHandler('meta', handlers, { auth: 'iam' }, THINGS);
    await call(iam, withAuthorizer(event('GET', '/things/t1')));
    expect(seen.at(-1)?.principal).toBe('arn:aws:iam::1:user/x');
    const none = tableHandler('meta', handlers, { auth: 'none' }, THINGS);
    await call(none, withAuthorizer(event('GET', '/things/t1')));
    expect(seen.at(-1)?.principal).toBeUndefined();
  });

  it('fails closed when an authorized route arrives without an identity in jwt mode', async () => {
    const jwt = tableHandler('meta', handlers, { auth: 'jwt' }, THINGS);
    const before = seen.length;
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const anonymous = await call(jwt, event('GET', '/things/t1'));
    expect(anonymous.result.statusCode).toBe(500);
    expect(errors).toHaveBeenCalledWith(
      'request failed',
      expect.objectContaining({ route: 'GET /things/{thingId}' }),
    );
    errors.mockRestore();
    expect(seen.length).toBe(before);
    const open = await call(jwt, event('GET', '/status'));
    expect(open.result.statusCode).toBe(200);
  });
});

describe('jwtAuthorizerContext', () => {
  it('hands the claims over as API Gateway does: strings, arrays bracketed, scopes listed', () => {
    expect(
      jwtAuthorizerContext({
        sub: 'u',
        aud: ['a', 'b'],
        exp: 5,
        email_verified: true,
        scope: 'openid email',
      }),
    ).toEqual({
      jwt: {
        claims: { sub: 'u', aud: '[a b]', exp: '5', email_verified: 'true', scope: 'openid email' },
        scopes: ['openid', 'email'],
      },
    });
    expect(jwtAuthorizerContext({ sub: 'u' }).jwt.scopes).toBeNull();
  });
});
