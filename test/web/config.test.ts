import { describe, expect, it } from 'vitest';
import { endpoint, loadConfig, parseConfig } from '../../web/src/config.ts';

const PAGE = 'https://d111.cloudfront.net/index.html';

describe('parseConfig', () => {
  it('uses the deployed API URL and auth mode', () => {
    expect(
      parseConfig({ apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', auth: 'jwt' }, PAGE),
    ).toEqual({
      apiBase: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
      auth: 'jwt',
    });
  });

  it('is the page origin when apiUrl is empty or missing', () => {
    const local = 'http://localhost:3000/';
    expect(parseConfig({ apiUrl: '' }, local)).toEqual({ apiBase: local, auth: 'none' });
    expect(parseConfig(undefined, `${local}#verify`)).toEqual({ apiBase: local, auth: 'none' });
    expect(parseConfig('not an object', local).apiBase).toBe(local);
  });

  it('adds the trailing slash a stage path needs, and drops query and hash', () => {
    expect(parseConfig({ apiUrl: 'https://x.example/prod?a=1#b' }, PAGE).apiBase).toBe(
      'https://x.example/prod/',
    );
  });

  it('reads the OpenID Connect client with auth jwt, openid always among the scopes', () => {
    const oidc = {
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      clientId: 'client-1',
      scope: 'email',
      logoutUrl:
        'https://x.auth.eu-west-1.amazoncognito.com/logout?client_id=client-1&logout_uri=https://d111/',
    };
    expect(parseConfig({ auth: 'jwt', oidc }, PAGE).oidc).toEqual({ ...oidc, scope: 'openid email' });
    expect(
      parseConfig({ auth: 'jwt', oidc: { issuer: 'not a url', clientId: 'c' } }, PAGE).oidc,
    ).toBeUndefined();
    expect(parseConfig({ auth: 'none', oidc }, PAGE).oidc).toBeUndefined();
  });

  it('falls back to no auth for an unknown mode', () => {
    expect(parseConfig({ auth: 'magic' }, PAGE).auth).toBe('none');
  });
});

describe('endpoint', () => {
  it('joins under the base path', () => {
    expect(endpoint('https://x.example/prod/', 'detect')).toBe('https://x.example/prod/detect');
    expect(endpoint('https://x.example/prod/', '/verify')).toBe('https://x.example/prod/verify');
    expect(endpoint('http://localhost:3000/', 'detect?crops=true')).toBe(
      'http://localhost:3000/detect?crops=true',
    );
  });
});

describe('loadConfig', () => {
  it('reads config.json next to the page, revalidating it', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetchFn = (async (url: URL, init?: RequestInit) => {
      calls.push([String(url), init]);
      return Response.json({ apiUrl: 'https://api.example/', auth: 'none' });
    }) as typeof fetch;
    expect(await loadConfig(fetchFn, PAGE)).toEqual({ apiBase: 'https://api.example/', auth: 'none' });
    expect(calls).toEqual([['https://d111.cloudfront.net/config.json', { cache: 'no-cache' }]]);
  });

  it('reads the body of a missing config.json too, so the connection is not left busy', async () => {
    const response = new Response('Not found', { status: 404 });
    await loadConfig((async () => response) as typeof fetch, PAGE);
    expect(response.bodyUsed).toBe(true);
  });

  it('means same origin when config.json is missing, broken or unreachable', async () => {
    const local = 'http://localhost:3000/';
    const missing = (async () => new Response('Not found', { status: 404 })) as typeof fetch;
    const broken = (async () => new Response('{', { status: 200 })) as typeof fetch;
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    for (const fetchFn of [missing, broken, offline]) {
      expect(await loadConfig(fetchFn, local)).toEqual({ apiBase: local, auth: 'none' });
    }
  });
});
