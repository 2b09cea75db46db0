/**
 * The local embedded default: one process serving the Lambda handlers through the payload 2.0 adapter,
 * the web page's files, and the local S3 endpoint. The handlers read their environment as on Lambda, so
 * it is set (S3 endpoint, bucket names) before they are imported; one engine serves every route.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SITE_CONFIG_FILE, type SiteRuntimeConfig } from '../../web/src/config.ts';
import { FaceVerifyError } from '../core/errors.ts';
import type { HttpHandler } from '../http/handler.ts';
import { errorResult, jsonResult } from '../http/responses.ts';
import { isPublicRoute } from '../http/routes.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { describeError } from '../shared/errors.ts';
import { toEvent, writeResult } from './adapter.ts';
import type { ServerAuth } from './dev-auth.ts';
import { startDropWatcher } from './drop-watcher.ts';
import { Unauthorized } from './jwt-authorizer.ts';
import { type LimiterOptions, WorkLimiter } from './limiter.ts';
import { LOCAL_BUCKETS, type LocalS3, localS3Directory, startLocalS3 } from './s3.ts';
import { serveStatic, webRoot } from './static.ts';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port?: number;
  s3Port?: number;
  host?: string;
  /**
   * Sign-in (FACEVERIFY_AUTH=jwt): started once the page's URL is known; its authorizer then guards every
   * route but the public ones, and its `config.json` tells the page how to sign in. Open without it.
   */
  auth?: (pageUrl: string) => Promise<ServerAuth>;
  /** Bounds on the image routes' work (default: one request per core, then a queue; limiter.ts). */
  limits?: Partial<LimiterOptions>;
  /**
   * FACEVERIFY_DATA_DIR, resolved by the caller: the local S3 keeps its objects under it across restarts,
   * and the drop folder resumes the jobs left waiting. Without it, a temporary folder deleted on stop.
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

export async function startServer({
  port = 3000,
  s3Port = 4569,
  host = '127.0.0.1',
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
    process.env[ENVIRONMENT.s3Endpoint] = s3.endpoint;
    process.env[ENVIRONMENT.uploadBucket] = LOCAL_BUCKETS.uploads;
    process.env[ENVIRONMENT.dropBucket] = LOCAL_BUCKETS.drop;
    const routes = routeTable(await importHandlers());
    const { handler: dropHandler } = await import('../handlers/drop.ts');
    const root = webRoot();
    let auth: ServerAuth | undefined;
    const server = createServer((request, response) => {
      serve(routes, root, auth, limiter, request, response).catch((error: unknown) => {
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
    const drop = startDropWatcher({ s3: s3.server, bucket: LOCAL_BUCKETS.drop, handler: dropHandler });
    await drop.resumed.catch(async (error: unknown) => {
      drop.stop();
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
        drop.stop();
        await auth?.stop();
        await s3.stop();
      },
    };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}

async function importHandlers(): Promise<HttpHandler[]> {
  const modules = await Promise.all([
    import('../handlers/detect.ts'),
    import('../handlers/verify.ts'),
    import('../handlers/uploads.ts'),
    import('../handlers/meta.ts'),
  ]);
  return modules.map((module) => module.handler);
}

/** Path → the handler serving it (which answers 405 for a method it does not take). */
function routeTable(handlers: readonly HttpHandler[]): Map<string, HttpHandler> {
  const table = new Map<string, HttpHandler>();
  for (const handler of handlers) {
    for (const route of handler.routes) table.set(route.slice(route.indexOf(' ') + 1), handler);
  }
  return table;
}

async function serve(
  routes: Map<string, HttpHandler>,
  root: string,
  auth: ServerAuth | undefined,
  limiter: WorkLimiter,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const handler = routes.get(pathname);
  if (handler) {
    const routeKey = `${method} ${pathname}`;
    const routed = handler.routes.some((r) => r === routeKey);
    if (auth && routed && !isPublicRoute(routeKey)) {
      try {
        await auth.authorize(request.headers.authorization);
      } catch (error) {
        if (!(error instanceof Unauthorized)) throw error;
        // As API Gateway's authorizer: refused before the body is read or a handler runs.
        request.resume();
        writeResult(response, error.result());
        return;
      }
    }
    // A slot before the body is read: a waiting request holds no more memory than its socket's.
    const release = IMAGE_ROUTES.has(routeKey) ? await waitForSlot(limiter, request, response) : () => {};
    if (!release) return;
    try {
      const event = await toEvent(request, routed ? routeKey : '$default');
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

/** The routes that decode images and run the models: the ones the limiter bounds. */
const IMAGE_ROUTES: ReadonlySet<string> = new Set(['POST /detect', 'POST /verify']);

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
