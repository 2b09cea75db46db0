/**
 * Sign-in for a deployment with `auth: "jwt"`: OpenID Connect's authorization-code flow with PKCE (S256),
 * `state` and `nonce` checked, every endpoint from the issuer's discovery document, so any provider works
 * (Cognito, or the development provider of `FACEVERIFY_AUTH=jwt npm start`). oauth4webapi does the
 * protocol (it is small, dependency-free and needs nothing the page's CSP forbids).
 *
 * Tokens stay in sessionStorage (they go with the tab; never localStorage, which outlives it) and are
 * refreshed before they expire; the page sends the access token as `Authorization: Bearer` on API calls.
 */
import * as oauth from 'oauth4webapi';
import type { OidcConfig } from './config.ts';

export interface AuthDeps {
  fetch: typeof fetch;
  storage: Storage;
  /** Sends the browser to the provider, to sign in or out. */
  navigate(url: string): void;
  now(): number;
}

interface Tokens {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  email?: string;
}

/** What the page must remember across the trip to the provider, in this tab only. */
interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  /** The page's hash (its mode) when sign-in started, restored on return. */
  hash: string;
}

const TOKENS_KEY = 'faceverify.tokens';
const PENDING_KEY = 'faceverify.sign-in';
/** Refresh a minute before expiry, or at half the lifetime of a token that lives less than two. */
const REFRESH_MARGIN_MS = 60_000;
/** The authorization response's parameters, dropped from the address bar once read. */
export const RESPONSE_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'session_state'];

/** A sign-in the provider refused or that could not be completed; its message is for the page. */
export class SignInError extends Error {
  override name = 'SignInError';
}

export class OidcSession {
  private server: oauth.AuthorizationServer | undefined;
  private readonly client: oauth.Client;
  private tokens: Tokens | undefined;
  private refreshing: Promise<boolean> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  /** True once a session ended by itself (refresh refused, token rejected), until the next sign-in. */
  ended = false;

  /** `redirectUri`: the page's own URL, registered with the provider for sign-in and sign-out. */
  constructor(
    private readonly config: OidcConfig,
    private readonly redirectUri: string,
    private readonly deps: AuthDeps,
  ) {
    this.client = { client_id: config.clientId };
    this.tokens = read<Tokens>(deps.storage, TOKENS_KEY);
    this.schedule();
  }

  get signedIn(): boolean {
    return this.tokens !== undefined;
  }

  get email(): string | undefined {
    return this.tokens?.email;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Sends the browser to the provider's sign-in; it comes back to the page with a code. */
  async signIn(hash = ''): Promise<void> {
    const as = await this.discover();
    if (!as.authorization_endpoint) throw new SignInError('The provider names no authorization endpoint.');
    const pending: PendingSignIn = {
      verifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      hash,
    };
    write(this.deps.storage, PENDING_KEY, pending);
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: this.config.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    }).toString();
    this.deps.navigate(url.href);
  }

  /**
   * Reads the provider's answer when `pageUrl` carries one: checks `state`, exchanges the code with its
   * PKCE verifier, checks the ID token and its `nonce`. Returns the hash to restore, or undefined when the
   * URL carried no answer.
   */
  async completeSignIn(pageUrl: string): Promise<string | undefined> {
    const url = new URL(pageUrl);
    if (!url.searchParams.has('state') && !url.searchParams.has('error')) return undefined;
    const pending = read<PendingSignIn>(this.deps.storage, PENDING_KEY);
    this.deps.storage.removeItem(PENDING_KEY);
    if (!pending) throw new SignInError('This sign-in was not started from this tab. Sign in again.');
    try {
      const as = await this.discover();
      const params = oauth.validateAuthResponse(as, this.client, url, pending.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        this.client,
        oauth.None(),
        params,
        this.redirectUri,
        pending.verifier,
        this.requestOptions(),
      );
      this.store(
        await oauth.processAuthorizationCodeResponse(as, this.client, response, {
          expectedNonce: pending.nonce,
          requireIdToken: true,
        }),
      );
    } catch (error) {
      throw new SignInError(signInFailure(error));
    }
    return pending.hash;
  }

  /** The access token for an API call, refreshed first when it is about to expire; undefined signed out. */
  async accessToken(): Promise<string | undefined> {
    if (this.tokens && this.deps.now() >= refreshAt(this.tokens)) await this.refresh();
    return this.tokens?.accessToken;
  }

  /** Renews the tokens with the refresh token; false, and the session ended, when that is refused. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.renew().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Forgets the tokens here, then ends the provider's session and comes back to the page. */
  async signOut(): Promise<void> {
    const idToken = this.tokens?.idToken;
    this.clear();
    this.ended = false;
    this.emit();
    if (this.config.logoutUrl) {
      this.deps.navigate(this.config.logoutUrl);
      return;
    }
    const as = await this.discover().catch(() => undefined);
    if (!as?.end_session_endpoint) return;
    const url = new URL(as.end_session_endpoint);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('post_logout_redirect_uri', this.redirectUri);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    this.deps.navigate(url.href);
  }

  private async renew(): Promise<boolean> {
    const refreshToken = this.tokens?.refreshToken;
    const held = this.tokens !== undefined;
    try {
      if (!refreshToken) throw new SignInError('no refresh token');
      const as = await this.discover();
      const response = await oauth.refreshTokenGrantRequest(
        as,
        this.client,
        oauth.None(),
        refreshToken,
        this.requestOptions(),
      );
      this.store(await oauth.processRefreshTokenResponse(as, this.client, response));
      return true;
    } catch {
      this.clear();
      // "Your sign-in has ended" only to someone who had one.
      this.ended ||= held;
      this.emit();
      return false;
    }
  }

  private store(result: oauth.TokenEndpointResponse): void {
    const claims = oauth.getValidatedIdTokenClaims(result);
    const previous = this.tokens;
    const now = this.deps.now();
    this.tokens = {
      accessToken: result.access_token,
      // A refresh may return neither (Cognito keeps its refresh token): keep the ones held.
      idToken: result.id_token ?? previous?.idToken,
      refreshToken: result.refresh_token ?? previous?.refreshToken,
      issuedAt: now,
      expiresAt: now + (result.expires_in ?? 300) * 1000,
      email: typeof claims?.email === 'string' ? claims.email : previous?.email,
    };
    write(this.deps.storage, TOKENS_KEY, this.tokens);
    this.ended = false;
    this.schedule();
    this.emit();
  }

  private clear(): void {
    this.tokens = undefined;
    this.deps.storage.removeItem(TOKENS_KEY);
    clearTimeout(this.timer);
  }

  /** Refreshes ahead of expiry, so a call rarely waits for it. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.tokens) return;
    const delay = Math.max(0, refreshAt(this.tokens) - this.deps.now());
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private async discover(): Promise<oauth.AuthorizationServer> {
    if (!this.server) {
      const issuer = new URL(this.config.issuer);
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.requestOptions() });
      this.server = await oauth.processDiscoveryResponse(issuer, response);
    }
    return this.server;
  }

  private requestOptions() {
    return {
      [oauth.customFetch]: this.deps.fetch,
      // Plain HTTP only for the development provider on this machine.
      [oauth.allowInsecureRequests]: isLoopback(this.config.issuer),
    };
  }
}

function refreshAt(tokens: Tokens): number {
  const lifetime = tokens.expiresAt - tokens.issuedAt;
  return tokens.expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2);
}

function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return (
    protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]')
  );
}

function signInFailure(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError) {
    return `The provider refused the sign-in: ${error.error_description ?? error.error}.`;
  }
  if (error instanceof oauth.ResponseBodyError) {
    return `The provider refused the sign-in code: ${error.error_description ?? error.error}.`;
  }
  return `The sign-in could not be completed: ${error instanceof Error ? error.message : String(error)}`;
}

function read<T>(storage: Storage, key: string): T | undefined {
  try {
    const text = storage.getItem(key);
    return text === null ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}

function write(storage: Storage, key: string, value: unknown): void {
  storage.setItem(key, JSON.stringify(value));
}
