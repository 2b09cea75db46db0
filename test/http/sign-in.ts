/**
 * Signs in to the development OpenID Provider over plain HTTP, as a browser would: the authorization
 * request with PKCE, the provider's login form, its redirects, then the code exchanged at the token
 * endpoint. For the tests that need a real token without a browser.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface SignInOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  email: string;
  password: string;
}

export interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

/** fetch with a cookie jar and no automatic redirects, so every hop is seen. */
function browserLike() {
  const jar = new Map<string, string>();
  return async (url: string, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie && { cookie }) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
}

export async function discover(issuer: string): Promise<Discovery> {
  return (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Discovery;
}

/** Through the login form to the redirect back with `code`; returns the code and its PKCE verifier. */
export async function authorize(options: SignInOptions): Promise<{ code: string; verifier: string }> {
  const { authorization_endpoint } = await discover(options.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const query = new URLSearchParams({
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: 'openid email',
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const go = browserLike();
  let url = `${authorization_endpoint}?${query}`;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(options.redirectUri)) {
      const back = new URL(url).searchParams;
      if (back.get('state') !== state) throw new Error('state changed on the way back');
      const code = back.get('code');
      if (!code) throw new Error(`no code: ${back.get('error')} ${back.get('error_description')}`);
      return { code, verifier };
    }
    let response = await go(url);
    if (response.status === 200 && /\/interaction\//.test(url)) {
      const form = new URLSearchParams({ email: options.email, password: options.password });
      response = await go(url, {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`${url} answered ${response.status} without a redirect`);
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}

/** The token endpoint's answer to a code exchange, with or without the PKCE verifier. */
export async function exchange(
  options: SignInOptions,
  code: string,
  verifier: string | undefined,
): Promise<Response> {
  const { token_endpoint } = await discover(options.issuer);
  return fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      client_id: options.clientId,
      ...(verifier && { code_verifier: verifier }),
    }),
  });
}

export async function signIn(options: SignInOptions): Promise<Tokens> {
  const { code, verifier } = await authorize(options);
  const response = await exchange(options, code, verifier);
  if (!response.ok) throw new Error(`token endpoint: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Tokens;
}
