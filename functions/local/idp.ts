/**
 * The development OpenID Provider `FACEVERIFY_AUTH=jwt npm start` runs beside the API: oidc-provider (a
 * certified OpenID Provider library) with one user, one public client for the page (authorization code +
 * PKCE S256, no secret), and access tokens as signed JWTs carrying `iss`, `aud`, `client_id`, `scope` and
 * `exp`, as Cognito's do, so the local API checks them exactly as API Gateway's JWT authorizer would.
 *
 * Its own pages (login form, sign-out confirmation, errors) replace the library's development ones, which
 * accept any password, ask for consent and load a web font from a third-party host.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** The scopes the page asks for, as the Cognito app client allows them. */
export const SCOPES = 'openid email';

export interface DevUser {
  /** Sign-in name and `email` claim. */
  readonly email: string;
  readonly password: string;
}

export interface DevClient {
  readonly clientId: string;
  /** Where the page may be sent back to after sign-in and after sign-out: the page's own URL. */
  readonly redirectUris: readonly string[];
}

export interface DevIdpOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly user: DevUser;
  readonly clients: readonly DevClient[];
  /** Signing keys (private JWKs); fresh ones by default. Tests share them to mint a wrong-issuer token. */
  readonly keys?: readonly JWK[];
  /** Access and ID token lifetime; an hour, like Cognito's default. */
  readonly accessTokenTtlSeconds?: number;
}

export interface DevIdp {
  /** The issuer, e.g. `http://127.0.0.1:3002`; discovery is under `/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly keys: readonly JWK[];
  stop(): Promise<void>;
}

/** The `sub` of the one development user. */
const ACCOUNT_ID = 'dev-user';

export async function generateSigningKeys(): Promise<JWK[]> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return [
    { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' },
  ];
}

export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const host = options.host ?? '127.0.0.1';
  const keys = options.keys ?? (await generateSigningKeys());
  // The issuer names the bound port, so listen first and build the provider once it is known.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;
  const provider = new Provider(issuer, configuration(options, keys));
  const interactions = interactionHandler(provider, options.user);
  const callback = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const handled = interactions(request, response);
    if (handled) {
      handled.catch((error: unknown) => {
        if (!response.headersSent) page(response, 500, 'Error', `<p>${escapeHtml(String(error))}</p>`);
      });
    } else {
      callback(request, response);
    }
  });
  return {
    issuer,
    keys,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function configuration(options: DevIdpOptions, keys: readonly JWK[]): Configuration {
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const origins = new Set(options.clients.flatMap((c) => c.redirectUris.map((uri) => new URL(uri).origin)));
  return {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...client.redirectUris],
      post_logout_redirect_uris: [...client.redirectUris],
    })),
    jwks: { keys: keys.map((key) => ({ ...key })) },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: SCOPES.split(' '),
    // Public clients must use PKCE with S256 (the library's default, stated here on purpose).
    pkce: { required: () => true },
    // The page exchanges its code and refreshes from its own origin.
    clientBasedCORS: (_ctx, origin) => origins.has(origin),
    findAccount: (_ctx, id) =>
      id === ACCOUNT_ID
        ? {
            accountId: ACCOUNT_ID,
            claims: () => ({ sub: ACCOUNT_ID, email: options.user.email, email_verified: true }),
          }
        : undefined,
    // As Cognito does for the code grant: a refresh token without asking for offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: ttl,
      IdToken: ttl,
      RefreshToken: 30 * 24 * 3600,
      Session: 24 * 3600,
      Grant: 30 * 24 * 3600,
      Interaction: 3600,
      AuthorizationCode: 60,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      // JWT access tokens whose audience is the client, as API Gateway's authorizer expects of Cognito's.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: SCOPES,
          audience: client.clientId,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    renderError: (ctx, out) => {
      // The error code and description only: never a parameter of the request (codes, tokens).
      const text = [out.error, out.error_description].filter(Boolean).join(': ');
      setPage(ctx, 'Sign-in error', `<p>${escapeHtml(text)}</p>`);
    },
  };
}

/** The one resource the API is: every access token is for it. */
const API_RESOURCE = 'urn:faceverify:api';

function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  // `form` is the library's CSRF-protected POST form (id "op.logoutForm"); its submit buttons are ours.
  setPage(
    ctx,
    'Sign out',
    `${form}<p>Sign out of the faceverify development provider?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  setPage(ctx, 'Signed out', '<p>You are signed out.</p>');
}

function setPage(ctx: KoaContextWithOIDC, title: string, body: string): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', PAGE_CSP);
  ctx.body = html(title, body);
}

/**
 * Serves `/interaction/<uid>`: the login form (GET), the credentials (POST), and consent, granted at once
 * since the only client is the project's own page. Returns undefined for any other path.
 */
function interactionHandler(provider: Provider, user: DevUser) {
  return (request: IncomingMessage, response: ServerResponse): Promise<void> | undefined => {
    const { pathname } = new URL(request.url ?? '/', 'http://idp');
    const match = /^\/interaction\/([\w-]+)$/.exec(pathname);
    if (!match) return undefined;
    return (async () => {
      const details = await provider.interactionDetails(request, response);
      if (details.prompt.name === 'consent') {
        await provider.interactionFinished(request, response, {
          consent: { grantId: await grantConsent(provider, details) },
        });
        return;
      }
      if (request.method === 'POST') {
        const form = new URLSearchParams(await readBody(request));
        if (matches(form.get('email'), user.email) && matches(form.get('password'), user.password)) {
          await provider.interactionFinished(
            request,
            response,
            { login: { accountId: ACCOUNT_ID } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        loginForm(response, details.uid, 401, 'Wrong e-mail address or password.');
        return;
      }
      loginForm(response, details.uid, 200);
    })();
  };
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

async function grantConsent(provider: Provider, details: InteractionDetails): Promise<string> {
  const { accountId } = details.session ?? {};
  const clientId = String(details.params.client_id);
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId });
  if (!grant) throw new Error('the interaction names a grant that does not exist');
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

function loginForm(response: ServerResponse, uid: string, status: number, error?: string): void {
  page(
    response,
    status,
    'Sign in',
    `<h1>Sign in to faceverify</h1>
<p>Development provider: the user is set by FACEVERIFY_DEV_USER and FACEVERIFY_DEV_PASSWORD.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<p><label for="email">E-mail address</label><br><input id="email" name="email" type="email" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

/** No script, no third-party resource; inline style only. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

function page(response: ServerResponse, status: number, title: string, body: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': PAGE_CSP,
  });
  response.end(html(title, body));
}

function html(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;line-height:1.5}input,button{font:inherit;padding:.4rem}input{width:100%;box-sizing:border-box}[role=alert]{color:#a00}</style></head><body>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** Constant-time comparison, so the form leaks nothing through timing. */
function matches(given: string | null, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) throw new Error('The sign-in form is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
