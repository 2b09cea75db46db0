/**
 * The local embedded default: one process serving every route of the table (functions/http/routes.ts)
 * through the payload 2.0 adapter, as API Gateway would route it to each function; the web page's
 * files; the local S3 endpoint and the drop folder's watcher. Its configuration is built here, once,
 * and handed to the handlers: one runtime, so one engine serves every route.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectionsOnFirstUse } from '../collections/collections.ts';
import { openSqliteCollectionStore } from '../collections/sqlite-store.ts';
import type { EngineConfig } from '../core/engine.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { dropHandler } from '../drop/queue.ts';
import { s3DropStore } from '../drop/s3-store.ts';
import { httpHandlers } from '../handlers/registry.ts';
import type { HttpHandler } from '../http/dispatch.ts';
import { describeError } from '../http/error-body.ts';
import { errorResult, jsonResult } from '../http/responses.ts';
import { matchPath, ROUTES, routeKey } from '../http/routes.ts';
import type { HttpFunctionName } from '../shared/contract.ts';
import { decodeLimits } from '../shared/read-image.ts';
import { createRuntime } from '../shared/runtime.ts';
import { collectionsDatabase } from '../shared/runtime-config.ts';
import { SITE_CONFIG_FILE, type SiteRuntimeConfig } from '../shared/site-config.ts';
import { type RouteContext, toEvent, writeResult } from './adapter.ts';
import type { ServerAuth } from './dev-auth.ts';
import { startDropWatcher } from './drop-watcher.ts';
import { jwtAuthorizerContext, Unauthorized } from './jwt-authorizer.ts';
import { type LimiterOptions, WorkLimiter } from './limiter.ts';
import { LOCAL_BUCKETS, type LocalS3, localS3Directory, startLocalS3 } from './s3.ts';
import { serveStatic, webRoot } from './static.ts';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port?: number;
  s3Port?: number;
  host?: string;
  /** What the engine loads (functions/local/main.ts reads it from the environment). */
  engine?: EngineConfig;
  /** Engine worker threads (main.ts: FACEVERIFY_WORKERS, default one per core); 1, the default here, none. */
  workers?: number;
  /**
   * Sign-in (FACEVERIFY_AUTH=jwt): started once the page's URL is known; its authorizer then guards every
   * caller-authorized route, and its `config.json` tells the page how to sign in. Open without it.
   */
  auth?: (pageUrl: string) => Promise<ServerAuth>;
  /** Bounds on the image routes' work (default: one request per core, then a queue; limiter.ts). */
  limits?: Partial<LimiterOptions>;
  /**
   * FACEVERIFY_DATA_DIR, resolved by the caller: the local S3 keeps its objects under it across restarts,
   * the drop folder resumes the jobs left waiting, and the collections database lives in it. Without it,
   * a temporary folder deleted on stop, and collections kept in memory.
   */
  dataDir?: string;
}

export interface LocalServer {
  url: string;
  s3: LocalS3;
  webRoot: string;
  auth: ServerAuth | undefined;
  limiter: WorkLimiter;
  stop(): Promise<void>;
}

type FunctionHandlers = Readonly<Record<HttpFunctionName, HttpHandler>>;

export async function startServer({
  port = 3000,
  s3Port = 4569,
  host = '127.0.0.1',
  engine = {},
  workers = 1,
  auth: startAuth,
  limits,
  dataDir,
}: LocalServerOptions = {}): Promise<LocalServer> {
  const limiter = new WorkLimiter(limits);
  const s3 = await startLocalS3({
    port: s3Port,
    host,
    ...(dataDir !== undefined && { directory: localS3Directory(dataDir) }),
  });
  try {
    const runtime = createRuntime(
      {
        engine,
        workers,
        auth: startAuth ? 'jwt' : 'none',
        uploadBucket: LOCAL_BUCKETS.uploads,
        dropBucket: LOCAL_BUCKETS.drop,
        s3Endpoint: s3.endpoint,
        collections: { store: 'sqlite', database: dataDir ? collectionsDatabase(dataDir) : ':memory:' },
      },
      { openCollections: openSqliteCollectionStore },
    );
    const handlers = await httpHandlers(runtime);
    const faceEngine = await runtime.engine();
    const drop = dropHandler({
      bucket: LOCAL_BUCKETS.drop,
      store: s3DropStore(runtime.s3, LOCAL_BUCKETS.drop),
      engine: faceEngine,
      limits: decodeLimits(runtime.config.engine),
      collections: collectionsOnFirstUse(() => runtime.collections(), faceEngine),
    });
    const root = webRoot();
    let auth: ServerAuth | undefined;
    const server = createServer((request, response) => {
      serve(handlers, root, auth, limiter, request, response).catch((error: unknown) => {
        writeResult(response, errorResult(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(port, host, () => resolve());
    });
    const { port: boundPort } = server.address() as AddressInfo;
    const url = `http://${host}:${boundPort}/`;
    const close = async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    };
    try {
      auth = await startAuth?.(url);
    } catch (error) {
      await close();
      throw error;
    }
    const watcher = startDropWatcher({ s3: s3.server, bucket: LOCAL_BUCKETS.drop, handler: drop });
    await watcher.resumed.catch(async (error: unknown) => {
      watcher.stop();
      await close();
      await auth?.stop();
      throw error;
    });
    return {
      url,
      s3,
      webRoot: root,
      auth,
      limiter,
      async stop() {
        await close();
        watcher.stop();
        await auth?.stop();
        await runtime.close();
        await s3.stop();
      },
    };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}

/**
 * As API Gateway routes: the table's route for the method and path goes to its function, with its route
 * key and decoded path parameters, after the authorizer (on caller-authorized routes) and, for image
 * work, a slot of the limiter. A path the table has with another method goes to a function that serves
 * it, under `$default`, which answers 405 or the CORS preflight.
 */
async function serve(
  handlers: FunctionHandlers,
  root: string,
  auth: ServerAuth | undefined,
  limiter: WorkLimiter,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const matching = ROUTES.flatMap((route) => {
    const params = matchPath(route.path, pathname);
    return params ? [{ route, params }] : [];
  });
  const [first] = matching;
  if (first) {
    const matched = matching.find(({ route }) => route.method === method);
    const context: RouteContext = matched
      ? { routeKey: routeKey(matched.route), pathParameters: matched.params }
      : { routeKey: '$default' };
    if (auth && matched?.route.access === 'authorized') {
      try {
        context.authorizer = jwtAuthorizerContext(await auth.authorize(request.headers.authorization));
      } catch (error) {
        if (!(error instanceof Unauthorized)) throw error;
        // As API Gateway's authorizer: refused before the body is read or a handler runs.
        request.resume();
        writeResult(response, error.result());
        return;
      }
    }
    // A slot before the body is read: a waiting request holds no more memory than its socket's.
    const release = matched?.route.imageWork ? await waitForSlot(limiter, request, response) : () => {};
    if (!release) return;
    try {
      const handler = handlers[(matched ?? first).route.function];
      const event = await toEvent(request, context);
      writeResult(response, await handler(event, { awsRequestId: randomUUID() }));
    } finally {
      release();
    }
    return;
  }
  if (auth && method === 'GET' && pathname === `/${SITE_CONFIG_FILE}`) {
    const config: SiteRuntimeConfig = { apiUrl: '', ...auth.pageConfig };
    writeResult(response, jsonResult(200, config));
    return;
  }
  if (
    (method === 'GET' || method === 'HEAD') &&
    (await serveStatic(root, pathname, response, method === 'HEAD'))
  ) {
    return;
  }
  request.resume();
  writeResult(response, errorResult(new FaceVerifyError('NotFound', `There is no ${pathname} here.`)));
}

/** Seconds a refused client is told to wait before retrying. */
export const RETRY_AFTER_SECONDS = 1;

/** A slot for the request, or undefined once it has been answered 503 Busy (body discarded unread). */
async function waitForSlot(
  limiter: WorkLimiter,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<(() => void) | undefined> {
  const gone = new AbortController();
  const abandon = () => gone.abort();
  response.once('close', abandon);
  try {
    return await limiter.acquire(gone.signal);
  } catch (error) {
    if (!(error instanceof FaceVerifyError) || error.code !== 'Busy') throw error;
    request.resume();
    const { status, body } = describeError(error);
    writeResult(response, jsonResult(status, body, { 'retry-after': String(RETRY_AFTER_SECONDS) }));
    return undefined;
  } finally {
    response.off('close', abandon);
  }
}
