/** `FACEVERIFY_AUTH=jwt npm start`'s server on free ports: the local server with the development provider. */
import { importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { DEFAULT_DEV_USER, startDevAuth } from '../../functions/local/dev-auth.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';

/** A user other than the default, as FACEVERIFY_DEV_USER / FACEVERIFY_DEV_PASSWORD would set. */
export const TEST_USER = { email: 'tester@faceverify.test', password: `pw-${DEFAULT_DEV_USER.password}-2` };

export function startAuthServer(options: { accessTokenTtlSeconds?: number } = {}): Promise<LocalServer> {
  return startServer({
    port: 0,
    s3Port: 0,
    auth: (pageUrl) => startDevAuth(pageUrl, { user: TEST_USER, idpPort: 0, ...options }),
  });
}

/**
 * An access token as the server's provider would issue it for `claims` (a signed-in user's, with
 * `override` on top: another `sub` is another user), valid for ten minutes; signed with the provider's
 * own key unless another is given.
 */
export async function mintToken(
  server: LocalServer,
  claims: JWTPayload,
  override: JWTPayload = {},
  key?: JWK,
): Promise<string> {
  const jwk = key ?? (server.auth?.idp.keys[0] as JWK);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, iat: now, exp: now + 600, ...override })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid as string, typ: 'at+jwt' })
    .sign(await importJWK(jwk, 'RS256'));
}
