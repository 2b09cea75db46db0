/**
 * Debian's chromium driven by playwright-core (Playwright's own browser download does not work here), and
 * the page's server: the one `npm start` runs, on free ports.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser test cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is not installed (apt-get install -y chromium); .ci/run installs it`;
}

/** Headless chromium with a fresh temporary profile (playwright creates one per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The tests serve the page through Playwright (to add CloudFront's CSP header), which gives it no
      // address; Local Network Access would then refuse its uploads to the loopback S3 endpoint.
      '--disable-features=LocalNetworkAccessChecks',
    ],
  });
}

export interface PageServer {
  url: string;
  /** The local S3 endpoint's origin: presigned uploads go there, as they go to S3 on AWS. */
  uploadOrigin: string;
  stop(): Promise<void>;
}

/** `npm start`'s server (functions/local/server.ts) on free ports; it serves web/dist when built. */
export async function startPageServer(): Promise<PageServer> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // One log line per request would bury the test's output; the logger may exist already, so set it there.
  logger.setLogLevel('ERROR');
  const server = await startServer({ port: 0, s3Port: 0 });
  return { url: server.url, uploadOrigin: new URL(server.s3.endpoint).origin, stop: () => server.stop() };
}

/**
 * CloudFront's Content-Security-Policy for the page (infra/website.ts), with the local upload bucket as
 * the API's and uploads' connect-src: no inline script or style may be needed.
 */
export function contentSecurityPolicy(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * A page of the local server opened as the site serves it: its HTML with the site's CSP header
 * (`connect` origins allowed), and every CSP violation the browser reports pushed to `violations`.
 */
export async function openWithCsp(
  context: BrowserContext,
  origin: string,
  connect: readonly string[],
  violations: string[],
): Promise<Page> {
  const csp = contentSecurityPolicy(connect);
  await context.route(
    (url) => url.origin === origin && (url.pathname === '/' || url.pathname.endsWith('.html')),
    async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
    },
  );
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return page;
}
