/**
 * `FACEVERIFY_AUTH=jwt`: sign-in for the local server, the way a `jwt` deployment has it. The development
 * OpenID Provider stands where Cognito does, the JWT authorizer where API Gateway's does, and the page's
 * `config.json` names the provider as the deploy names Cognito.
 */
import type { SiteRuntimeConfig } from '../shared/site-config.ts';
import { type DevIdp, type DevUser, SCOPES, startDevIdp } from './idp.ts';
import { type Authorize, jwtAuthorizer } from './jwt-authorizer.ts';

/** The page's OpenID Connect client, as the Cognito app client is on AWS. */
export const DEV_CLIENT_ID = 'faceverify-web';

/** The development user when FACEVERIFY_DEV_USER / FACEVERIFY_DEV_PASSWORD are not set. */
export const DEFAULT_DEV_USER: DevUser = { email: 'dev@faceverify.test', password: 'faceverify-dev' };

/** What the local server needs of an auth mode. */
export interface ServerAuth {
  readonly authorize: Authorize;
  /** The page's `config.json`. */
  readonly pageConfig: PageAuthConfig;
  readonly idp: DevIdp;
  stop(): Promise<void>;
}

/** `config.json`'s auth fields, the same shape infra/website.ts writes on AWS. */
export type PageAuthConfig = Required<Pick<SiteRuntimeConfig, 'auth' | 'oidc'>>;

export interface DevAuthOptions {
  readonly user: DevUser;
  /** The provider's port; 0 picks a free one. */
  readonly idpPort?: number;
  readonly accessTokenTtlSeconds?: number;
}

/** Starts the provider for the page served at `pageUrl` (its sign-in and sign-out return there). */
export async function startDevAuth(pageUrl: string, options: DevAuthOptions): Promise<ServerAuth> {
  const idp = await startDevIdp({
    port: options.idpPort ?? 0,
    host: new URL(pageUrl).hostname,
    user: options.user,
    clients: [{ clientId: DEV_CLIENT_ID, redirectUris: [pageUrl] }],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
  });
  try {
    const authorize = await jwtAuthorizer({ issuer: idp.issuer, audience: [DEV_CLIENT_ID] });
    return {
      authorize,
      pageConfig: { auth: 'jwt', oidc: { issuer: idp.issuer, clientId: DEV_CLIENT_ID, scope: SCOPES } },
      idp,
      stop: () => idp.stop(),
    };
  } catch (error) {
    await idp.stop();
    throw error;
  }
}
