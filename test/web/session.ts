/**
 * One browser test file's set-up: the page's server and chromium for the file; for each test a fresh
 * context with the page served under the site's CSP, every API call the page makes recorded, and after it
 * the checks every page test shares (no request to another origin, no uncaught error, no CSP violation).
 * Screenshots go to test-results/web/ (not committed): look at them.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildWeb } from '../../web/build.ts';
import { launchChromium, openWithCsp, type PageServer, startPageServer } from './browser.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));

/** What the page's fetch sent and got, recorded in the page: CDP cannot always return large bodies. */
export interface ApiCall {
  path: string;
  search: string;
  method: string;
  contentType: string;
  bodyBytes: number;
  status: number;
  json: unknown;
  done: boolean;
}

type Recorded = Window & { apiCalls?: ApiCall[] };

/** Runs in the page before its script: wraps fetch to record every call. */
function recordFetches(): void {
  const calls: ApiCall[] = [];
  (window as Recorded).apiCalls = calls;
  const original = window.fetch.bind(window);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const body = init?.body;
    const headers = new Headers(init?.headers);
    const call: ApiCall = {
      path: url.pathname,
      search: url.search,
      method: init?.method ?? 'GET',
      contentType: headers.get('content-type') ?? '',
      bodyBytes: body instanceof Blob ? body.size : typeof body === 'string' ? new Blob([body]).size : 0,
      status: 0,
      json: undefined,
      done: false,
    };
    calls.push(call);
    try {
      const response = await original(input, init);
      call.status = response.status;
      call.json = await response
        .clone()
        .json()
        .catch(() => undefined);
      return response;
    } finally {
      call.done = true;
    }
  };
}

/** expect.poll with time for a model to run on a shared CPU. */
export function poll<T>(value: () => Promise<T> | T) {
  return expect.poll(value, { timeout: 90_000, interval: 100 });
}

export interface PageSession {
  /** The server, once started (in beforeAll). */
  readonly server: SessionServer;
  /** The page the last `open` opened. */
  readonly page: Page;
  /** Opens the page (at `hash`) in a fresh context. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** A full-page screenshot, test-results/web/<name>.png. */
  shot(name: string): Promise<void>;
  /** Call before the action: resolves with the next completed call to `path` (and `method`) after it. */
  nextCall(path: string, method?: string): Promise<() => Promise<ApiCall>>;
  /** How many calls the page has made. */
  apiCallCount(): Promise<number>;
}

/** A server the page is tested against, and the origins besides its own that the page may reach. */
export interface SessionServer extends PageServer {
  /** The upload bucket's, and e.g. a sign-in provider's. */
  connect: string[];
}

/** `npm start`'s server, open (no sign-in). */
async function openServer(): Promise<SessionServer> {
  const server = await startPageServer();
  return { ...server, connect: [server.uploadOrigin] };
}

/** Registers the file's hooks; call once, inside its describe. `start` makes the server (default: open). */
export function pageSession(start: () => Promise<SessionServer> = openServer): PageSession {
  let server: SessionServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let current: Page | undefined;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildWeb();
    [server, browser] = await Promise.all([start(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async () => {
    await context?.close();
    expect(offOrigin, 'requests to other origins').toEqual([]);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    expect(cspViolations, 'Content-Security-Policy violations').toEqual([]);
  });

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not ready`);
    return value;
  };
  const calls = (path: string, method: string | undefined) =>
    required(current, 'the page').evaluate(
      ([p, m]) => ((window as Recorded).apiCalls ?? []).filter((c) => c.path === p && (!m || c.method === m)),
      [path, method] as const,
    );

  return {
    get server() {
      return required(server, 'the server');
    },
    get page() {
      return required(current, 'the page');
    },

    /**
     * A fresh context, the page served with CloudFront's CSP, watching for third-party requests, CSP
     * violations and script errors.
     */
    async open(hash = '', viewport = { width: 1280, height: 900 }) {
      offOrigin.length = 0;
      pageErrors.length = 0;
      cspViolations.length = 0;
      const pageServer = required(server, 'the server');
      context = await required(browser, 'chromium').newContext({ viewport });
      await context.addInitScript(recordFetches);
      const origin = new URL(pageServer.url).origin;
      const page = await openWithCsp(context, origin, pageServer.connect, cspViolations);
      current = page;
      // The page's own origin, the upload bucket (local S3 here) and the server's others: no CDN.
      const allowed = new Set([origin, ...pageServer.connect]);
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.protocol !== 'data:' && url.protocol !== 'blob:' && !allowed.has(url.origin)) {
          offOrigin.push(url.href);
        }
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(new URL(hash, pageServer.url).href);
      await page.locator('html.app-ready').waitFor();
      return page;
    },

    async shot(name) {
      await required(current, 'the page').screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
    },

    async nextCall(path, method) {
      const before = (await calls(path, method)).length;
      const nth = async () => (await calls(path, method))[before];
      return async () => {
        await poll(async () => (await nth())?.done ?? false).toBe(true);
        const call = await nth();
        if (!call) throw new Error(`no call to ${path}`);
        return call;
      };
    },

    apiCallCount: () =>
      required(current, 'the page').evaluate(() => ((window as Recorded).apiCalls ?? []).length),
  };
}
