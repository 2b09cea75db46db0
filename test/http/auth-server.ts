/** `FACEVERIFY_AUTH=jwt npm start`'s server on free ports: the local server with the development provider. */
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
