/**
 * `FACEVERIFY_AUTH=jwt npm start` over plain HTTP: the local server with the development OpenID Provider.
 * Real tokens from the provider are accepted; every way a bearer token can be wrong is a 401 with
 * `WWW-Authenticate: Bearer` before anything of the request runs, as API Gateway's JWT authorizer answers;
 * the public routes and the page stay open; no token or code reaches the logs.
 */
import { randomBytes } from 'node:crypto';
import type { JWK, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceEngine } from '../../functions/core/engine.ts';
import { DEV_CLIENT_ID } from '../../functions/local/dev-auth.ts';
import { generateSigningKeys } from '../../functions/local/idp.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { mintToken, startAuthServer, TEST_USER } from './auth-server.ts';
import { assertConforms } from './openapi.ts';
import { demoPhoto } from './photos.ts';
import { authorize, exchange, type SignInOptions, signIn, type Tokens } from './sign-in.ts';

let server: LocalServer;
let signInOptions: SignInOptions;
let tokens: Tokens;
let photo: Buffer;
let claims: JWTPayload;

const PROTECTED = ['/detect', '/verify', '/uploads'] as const;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  server = await startAuthServer();
  const issuer = server.auth?.idp.issuer ?? '';
  signInOptions = { issuer, clientId: DEV_CLIENT_ID, redirectUri: server.url, ...TEST_USER };
  tokens = await signIn(signInOptions);
  claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString());
  photo = await demoPhoto(1, 480);
});

afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function call(
  path: string,
  authorization?: string,
  body: BodyInit = new Uint8Array(photo),
  contentType = 'image/jpeg',
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(new URL(path, server.url), { method: 'POST', headers, body });
  const json = await response.json();
  assertConforms(`POST ${path}`, response.status, json);
  return { status: response.status, headers: response.headers, body: json };
}

function expectRefused(answer: Answer, message: RegExp): void {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  expect(answer.body.error?.code).toBe('Unauthorized');
  expect(answer.body.error?.message).toMatch(message);
}

/** A token signed with `key`: the provider's own key unless another is given. */
function mint(claimsOverride: JWTPayload, key?: JWK): Promise<string> {
  return mintToken(server, claims, claimsOverride, key);
}

describe('the provider', () => {
  it('issues JWT access tokens shaped like Cognito’s: iss, aud or client_id, scope, exp', () => {
    expect(claims).toMatchObject({
      iss: signInOptions.issuer,
      aud: DEV_CLIENT_ID,
      client_id: DEV_CLIENT_ID,
      scope: 'openid email',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('refuses a code exchanged without its PKCE verifier, or with a wrong one', async () => {
    const first = await authorize(signInOptions);
    const without = await exchange(signInOptions, first.code, undefined);
    expect(without.status).toBe(400);
    expect(await without.json()).toMatchObject({ error: 'invalid_grant' });
    const second = await authorize(signInOptions);
    const wrong = await exchange(signInOptions, second.code, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a wrong password on its login form', async () => {
    await expect(authorize({ ...signInOptions, password: 'not-the-password' })).rejects.toThrow(
      /answered 401/,
    );
  });
});

describe('the image routes with FACEVERIFY_AUTH=jwt', () => {
  it('answer a signed-in caller', async () => {
    const bearer = `Bearer ${tokens.access_token}`;
    const detected = await call('/detect', bearer);
    expect(detected.status).toBe(200);
    expect((detected.body.faces as unknown[]).length).toBeGreaterThan(0);
    const b64 = photo.toString('base64');
    const verified = await fetch(new URL('/verify', server.url), {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ source: b64, target: b64 }),
    });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ match: true });
    const uploads = await call(
      '/uploads',
      bearer,
      JSON.stringify({ files: [{ contentType: 'image/jpeg', contentLength: 1000 }] }),
      'application/json',
    );
    expect(uploads.status).toBe(200);
  });

  it.each(PROTECTED)('refuse %s without a token, before reading the request', async (path) => {
    const loads = vi.spyOn(FaceEngine, 'load');
    // Larger than any request may be: a handler would answer 413, the authorizer answers first.
    const huge = new Uint8Array(8 * 1024 * 1024);
    expectRefused(await call(path, undefined, huge), /^Sign in first/);
    expect(loads).not.toHaveBeenCalled();
    loads.mockRestore();
  });

  it.each([
    ['a scheme other than Bearer', () => `Basic ${Buffer.from('dev:pw').toString('base64')}`, /not "Bearer/],
    ['a bearer that is no JWT', () => 'Bearer not-a-token', /not "Bearer/],
    ['an empty bearer', () => 'Bearer ', /not "Bearer|Sign in first/],
    [
      'a changed signature',
      () => {
        const [header, payload, signature = ''] = tokens.access_token.split('.');
        const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
        return `Bearer ${header}.${payload}.${flipped}`;
      },
      /signature is invalid/,
    ],
    [
      'a changed claim under the original signature',
      () => {
        const [header, , signature] = tokens.access_token.split('.');
        const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
        return `Bearer ${header}.${forged}.${signature}`;
      },
      /signature is invalid/,
    ],
  ])('refuse %s', async (_name, header, message) => {
    for (const path of PROTECTED) expectRefused(await call(path, header()), message);
  });

  it('refuse a token signed by a key the provider does not publish', async () => {
    const [foreign] = await generateSigningKeys();
    const token = await mint({}, { ...(foreign as JWK), kid: server.auth?.idp.keys[0]?.kid });
    expectRefused(await call('/detect', `Bearer ${token}`), /signature is invalid/);
    const unknownKid = await mint({}, foreign);
    expectRefused(await call('/detect', `Bearer ${unknownKid}`), /unknown key/);
  });

  it('refuse a token from another issuer, for another audience, expired or not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [JWTPayload, RegExp][] = [
      [{ iss: 'http://127.0.0.1:1/' }, /another issuer/],
      [{ aud: 'another-client', client_id: 'another-client' }, /not for this API/],
      // With an `aud`, `client_id` does not count: API Gateway reads `aud` first.
      [{ aud: 'another-client' }, /not for this API/],
      [{ iat: now - 7200, exp: now - 3600 }, /expired/],
      [{ nbf: now + 600 }, /nbf/],
      [{ iat: now + 600, exp: now + 1200 }, /issued in the future/],
    ];
    for (const [override, message] of cases) {
      for (const path of PROTECTED)
        expectRefused(await call(path, `Bearer ${await mint(override)}`), message);
    }
  });

  it('take `client_id` when the token has no `aud`, as Cognito’s access tokens have none', async () => {
    const token = await mint({ aud: undefined, client_id: DEV_CLIENT_ID });
    expect((await call('/detect', `Bearer ${token}`)).status).toBe(200);
    const other = await mint({ aud: undefined, client_id: 'another-client' });
    expectRefused(await call('/detect', `Bearer ${other}`), /not for this API/);
  });
});

describe("the caller's identity", () => {
  /** The principal the handler of POST /uploads saw, from its request log line. */
  async function principalSeen(token: string): Promise<unknown> {
    const lines: Record<string, unknown>[] = [];
    const info = vi.spyOn(logger, 'info').mockImplementation((message, ...rest) => {
      if (message === 'request') lines.push(rest[0] as Record<string, unknown>);
    });
    logger.setLogLevel('INFO');
    try {
      const answer = await call(
        '/uploads',
        `Bearer ${token}`,
        JSON.stringify({ files: [] }),
        'application/json',
      );
      expect(answer.status).toBe(400); // the request itself is wrong; the caller is let in
    } finally {
      logger.setLogLevel('ERROR');
      info.mockRestore();
    }
    return lines[0]?.principal;
  }

  it("is the verified token's sub, put into the event as API Gateway's JWT authorizer puts it", async () => {
    expect(await principalSeen(tokens.access_token)).toBe(claims.sub);
    expect(claims.sub).toEqual(expect.any(String));
    expect(await principalSeen(await mint({ sub: 'another-user' }))).toBe('another-user');
  });
});

describe('what stays public with FACEVERIFY_AUTH=jwt', () => {
  it('health, the OpenAPI document, the page and its config.json naming the provider', async () => {
    for (const path of ['/health', '/openapi.json', '/']) {
      const response = await fetch(new URL(path, server.url));
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    const config = await (await fetch(new URL('/config.json', server.url))).json();
    expect(config).toEqual({
      apiUrl: '',
      auth: 'jwt',
      oidc: { issuer: signInOptions.issuer, clientId: DEV_CLIENT_ID, scope: 'openid email' },
    });
  });

  it('CORS preflights, which API Gateway answers without authorization', async () => {
    const response = await fetch(new URL('/detect', server.url), { method: 'OPTIONS' });
    expect(response.status).toBe(204);
  });
});

describe('the logs', () => {
  it('never hold a code or a token', async () => {
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    logger.setLogLevel('DEBUG');
    try {
      const { code, verifier } = await authorize(signInOptions);
      const fresh = (await (await exchange(signInOptions, code, verifier)).json()) as Tokens;
      await call('/detect', `Bearer ${fresh.access_token}`);
      await call('/detect', `Bearer ${fresh.access_token}x`);
      const secrets = [code, verifier, fresh.access_token, fresh.id_token, fresh.refresh_token ?? ''];
      expect(written.length).toBeGreaterThan(0); // the request log lines
      for (const secret of secrets) expect(written.join('\n')).not.toContain(secret);
    } finally {
      logger.setLogLevel('ERROR');
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe('plain npm start', () => {
  it('stays open, with no config.json', async () => {
    const open = await startServer({ port: 0, s3Port: 0 });
    try {
      expect(open.auth).toBeUndefined();
      const response = await fetch(new URL('/detect', open.url), {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: new Uint8Array(photo),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const config = await fetch(new URL('/config.json', open.url));
      expect(config.status).toBe(404);
      await config.arrayBuffer();
    } finally {
      await open.stop();
    }
  });
});
