/** The page's entry: read config.json, sign in when the deployment asks for it, then mount the modes. */
import { ApiClient } from './api.ts';
import type { OidcSession } from './auth.ts';
import { loadConfig, type OidcConfig } from './config.ts';
import { mountDetectMode } from './detect-mode.ts';
import { byId } from './dom.ts';
import { mountFindMode } from './find-mode.ts';
import { modeDeps } from './mode-deps.ts';
import { PhotoKeeper } from './photo-keeper.ts';
import { mountTabs } from './tabs.ts';
import { mountVerifyMode } from './verify-mode.ts';

const AUTH_NOTICES = {
  none: '',
  iam: 'This deployment accepts only AWS-signed (IAM) requests, which a browser page cannot make: detection, verification and search will be refused here. Call the API with signed requests, or deploy with auth=jwt for sign-in.',
  jwt: 'This deployment requires sign-in, but its config.json does not say where (oidc.issuer, oidc.clientId): detection, verification and search will be refused here.',
} as const;

const pageFetch: typeof fetch = (...args) => fetch(...args);

/** The page's own URL, without query or hash: where the provider sends the person back. */
function pageUrl(): string {
  const url = new URL(location.href);
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * Reads the provider's answer, if the page was opened with one, and drops it from the address bar (a code
 * is single-use, but has no place in history). Returns why the sign-in failed, if it did.
 */
async function completeSignIn(
  session: OidcSession,
  responseParams: readonly string[],
): Promise<string | undefined> {
  const url = new URL(location.href);
  try {
    const hash = await session.completeSignIn(url.href);
    if (hash !== undefined) url.hash = hash;
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    for (const name of responseParams) url.searchParams.delete(name);
    history.replaceState(null, '', url);
  }
}

/** With auth `jwt`: loads the sign-in code, completes a sign-in in progress, shows the account bar. */
async function signInState(oidc: OidcConfig, notice: HTMLElement, keeper: PhotoKeeper): Promise<OidcSession> {
  const [{ OidcSession, RESPONSE_PARAMS }, { mountAccount }] = await Promise.all([
    import('./auth.ts'),
    import('./account.ts'),
  ]);
  const session = new OidcSession(oidc, pageUrl(), {
    fetch: pageFetch,
    storage: sessionStorage,
    navigate: (url) => location.assign(url),
    now: () => Date.now(),
  });
  const failure = await completeSignIn(session, RESPONSE_PARAMS);
  const showError = (message: string) => {
    notice.textContent = message;
    notice.hidden = false;
  };
  mountAccount(byId('account', HTMLElement), notice, session, keeper, showError);
  if (failure) showError(failure);
  return session;
}

async function main(): Promise<void> {
  document.documentElement.classList.add('js-ready');
  const config = await loadConfig(pageFetch, location.href);
  const notice = byId('page-notice', HTMLElement);
  notice.textContent = AUTH_NOTICES[config.auth];
  notice.hidden = config.auth === 'none';

  const keeper = new PhotoKeeper(globalThis.indexedDB);
  const session = config.oidc ? await signInState(config.oidc, notice, keeper) : undefined;
  // After the sign-in has settled the hash, so the tab it named is the one shown.
  mountTabs(byId('modes', HTMLElement));

  const deps = modeDeps(new ApiClient(config.apiBase, pageFetch, session), keeper);
  mountDetectMode(byId('panel-detect', HTMLElement), deps, { id: 'detect', crops: false });
  mountDetectMode(byId('panel-crops', HTMLElement), deps, { id: 'crops', crops: true });
  mountVerifyMode(byId('panel-verify', HTMLElement), deps);
  mountFindMode(byId('panel-find', HTMLElement), deps, localStorage);
  if (session?.signedIn) await keeper.restore();
  document.documentElement.classList.add('app-ready');
}

void main();
