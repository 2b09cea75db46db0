/**
 * Sign-in on the page, in Debian's chromium, against `FACEVERIFY_AUTH=jwt npm start`'s server: the page
 * refused while signed out, sign-in through the development provider's login form as a person does it,
 * detection and verification with the bearer token, a sign-in that ends and is asked for again with the
 * chosen photos kept, a token refreshed before it expires, and sign-out, after which calls are refused.
 * The page runs under CloudFront's CSP with the provider's origin as its only extra connect-src.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { startAuthServer, TEST_USER } from '../http/auth-server.ts';
import { chromiumMissing } from './browser.ts';
import { pageSession, poll } from './session.ts';

const missing = chromiumMissing();
if (missing) console.warn(`test/web/sign-in.test.ts skipped: ${missing}`);

const TOKENS_KEY = 'faceverify.tokens';

describe.skipIf(missing !== undefined)('signing in on the page (auth jwt)', () => {
  let server: LocalServer;
  let idpOrigin: string;
  /** Every API call the page made: path, and whether it carried a bearer token. */
  const apiCalls: { path: string; bearer: boolean; status: number }[] = [];
  const session = pageSession(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    logger.setLogLevel('ERROR');
    // Short-lived tokens, so the refresh ahead of expiry happens within the test.
    server = await startAuthServer({ accessTokenTtlSeconds: 20 });
    idpOrigin = new URL(server.auth?.idp.issuer ?? '').origin;
    const uploadOrigin = new URL(server.s3.endpoint).origin;
    return { url: server.url, uploadOrigin, stop: () => server.stop(), connect: [uploadOrigin, idpOrigin] };
  });
  let page: Page;

  async function open(): Promise<Page> {
    apiCalls.length = 0;
    page = await session.open();
    const origin = new URL(server.url).origin;
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.origin === origin && ['/detect', '/verify', '/uploads'].includes(url.pathname)) {
        const auth = await response.request().headerValue('authorization');
        apiCalls.push({
          path: url.pathname,
          bearer: /^Bearer \S+$/.test(auth ?? ''),
          status: response.status(),
        });
      }
    });
    return page;
  }

  const { shot } = session;
  const account = () => page.locator('#account');
  const notice = () => page.locator('#page-notice');
  const detectPanel = () => page.locator('#panel-detect');

  /** Through the provider's own login form, typed as a person would. */
  async function signInThroughForm(): Promise<void> {
    await account().getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === idpOrigin);
    await page.getByLabel('E-mail address').fill(TEST_USER.email);
    await page.getByLabel('Password').fill(TEST_USER.password);
    await shot('sign-in-form');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await backOnPage();
  }

  /** Back from the provider, the page ready (its address bar already cleaned of the answer). */
  async function backOnPage(): Promise<void> {
    await page.waitForURL((url) => url.origin === new URL(server.url).origin);
    await page.locator('html.app-ready').waitFor();
  }

  async function detectSample(n: number): Promise<void> {
    await detectPanel()
      .getByRole('button', { name: new RegExp(`^Sample ${n}:`) })
      .click();
  }

  it('refuses while signed out, signs in through the form, then detects and verifies with a bearer token', async () => {
    await open();
    expect(await account().getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await notice().textContent()).toMatch(/^Sign in to find and compare faces/);
    await detectSample(1);
    await poll(() => detectPanel().getByRole('alert').textContent()).toMatch(/^Sign in/);
    await poll(() => apiCalls).toEqual([{ path: '/detect', bearer: false, status: 401 }]);
    await shot('signed-out');

    // A wrong password first: the form says so and stays.
    await account().getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === idpOrigin);
    await page.getByLabel('E-mail address').fill(TEST_USER.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong e-mail address or password.');
    await page.goBack();
    await page.goBack();
    await page.locator('html.app-ready').waitFor();

    await signInThroughForm();
    expect(new URL(page.url()).search).toBe(''); // no code or state left in the address bar
    expect(await account().textContent()).toContain(`Signed in as ${TEST_USER.email}`);
    expect(await notice().isHidden()).toBe(true);
    const stored = await page.evaluate(
      (key) => [sessionStorage.getItem(key), localStorage.length],
      TOKENS_KEY,
    );
    expect(stored[0]).toContain('accessToken');
    expect(stored[1]).toBe(0); // nothing in localStorage
    // The photo chosen while signed out was kept across the trip and is detected on return; wait for
    // that call, which a slow machine makes after the page is ready, before counting the next one.
    await poll(() => apiCalls.at(-1)).toEqual({ path: '/detect', bearer: true, status: 200 });

    apiCalls.length = 0;
    await detectSample(1);
    await poll(() => detectPanel().locator('.status').textContent()).toMatch(/^\d+ faces found\.$/);
    await poll(() => apiCalls).toEqual([{ path: '/detect', bearer: true, status: 200 }]);
    await shot('signed-in-detect');

    await page.getByRole('tab', { name: 'Face Verification' }).click();
    const verify = page.locator('#panel-verify');
    for (const [group, n] of [
      ['First photo', 6],
      ['Second photo', 6],
    ] as const) {
      await verify
        .getByRole('group', { name: new RegExp(group) })
        .getByRole('button', { name: new RegExp(`^Sample ${n}:`) })
        .click();
    }
    await poll(() => verify.locator('.verdict-label').textContent()).toBe('Same person');
    await poll(() => apiCalls.at(-1)).toEqual({ path: '/verify', bearer: true, status: 200 });
    await shot('signed-in-verify');
  });

  it('asks for a sign-in again when it has ended, and keeps the chosen photo for the return', async () => {
    await open();
    await signInThroughForm();
    // The session ends as an expired, unrenewable one does: its token refused, no refresh token left.
    await page.evaluate((key) => {
      const tokens = JSON.parse(sessionStorage.getItem(key) ?? '{}');
      tokens.accessToken = `${tokens.accessToken}x`;
      delete tokens.refreshToken;
      sessionStorage.setItem(key, JSON.stringify(tokens));
    }, TOKENS_KEY);
    await page.reload();
    await page.locator('html.app-ready').waitFor();
    apiCalls.length = 0;
    await detectSample(3);
    await poll(() => notice().textContent()).toMatch(/^Your sign-in has ended\. Sign in again/);
    await poll(() => apiCalls).toEqual([{ path: '/detect', bearer: true, status: 401 }]);
    await poll(() => detectPanel().getByRole('alert').textContent()).toMatch(/^Sign in/);
    expect(await detectPanel().locator('figure.photo img').getAttribute('alt')).toMatch(/sample 3/);
    await shot('sign-in-ended');

    // The provider still knows the person: straight back, no form, and the photo is sent again.
    await account().getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.searchParams.has('code'), { waitUntil: 'commit' });
    await backOnPage();
    await poll(() => detectPanel().locator('.status').textContent()).toMatch(/^\d+ faces found\.$/);
    expect(await detectPanel().locator('figure.photo .photo-caption').textContent()).toMatch(/^sample 3: /);
    await poll(() => apiCalls.at(-1)).toEqual({ path: '/detect', bearer: true, status: 200 });
  });

  it('refreshes the token before it expires', async () => {
    await open();
    await signInThroughForm();
    const token = () =>
      page.evaluate(
        (key) => JSON.parse(sessionStorage.getItem(key) ?? '{}').accessToken as string,
        TOKENS_KEY,
      );
    const first = await token();
    // 20-second tokens are renewed at half their life, so within about 10 s.
    await expect.poll(token, { timeout: 20_000, interval: 500 }).not.toBe(first);
    await detectSample(2);
    await poll(() => detectPanel().locator('.status').textContent()).toMatch(/^\d+ faces found\.$/);
    await poll(() => apiCalls.at(-1)).toEqual({ path: '/detect', bearer: true, status: 200 });
  });

  it('signs out at the provider, after which calls are refused again', async () => {
    await open();
    await signInThroughForm();
    await account().getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === idpOrigin);
    await shot('sign-out-confirm');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await backOnPage();
    expect(await account().getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKENS_KEY)).toBeNull();
    apiCalls.length = 0;
    await detectSample(1);
    await poll(() => detectPanel().getByRole('alert').textContent()).toMatch(/^Sign in/);
    await poll(() => apiCalls).toEqual([{ path: '/detect', bearer: false, status: 401 }]);

    // The provider's session is over too: signing in asks for the password again.
    await account().getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === idpOrigin);
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
    await shot('signed-out-again');
  });
});
