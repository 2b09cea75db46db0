/**
 * The page's `config.json`: where the API is and how to sign in to it. Written at deploy time by
 * infra/website.ts, served by `FACEVERIFY_AUTH=jwt npm start`, read by the page (web/src/config.ts).
 * Here, so that the page, the local server and the CDK app import one contract and nothing under
 * `functions/` imports the page.
 */
import type { AuthMode } from './contract.ts';

/** The file the page fetches at start, next to itself. */
export const SITE_CONFIG_FILE = 'config.json';

/** The OpenID Connect client the page is, with `auth: "jwt"`. */
export interface OidcConfig {
  /** Issuer URL: its `/.well-known/openid-configuration` names every other endpoint. */
  issuer: string;
  clientId: string;
  /** Space-separated scopes, `openid` among them. */
  scope: string;
  /**
   * Where to send the browser to sign out when the provider's discovery names no `end_session_endpoint`
   * (Cognito: its `/logout` URL with `client_id` and `logout_uri`), as a complete URL.
   */
  logoutUrl?: string;
}

/** config.json as the deploy (or the local server) writes it. */
export interface SiteRuntimeConfig {
  /** Base URL of the HTTP API, ending in `/`; empty for the page's own origin. */
  apiUrl: string;
  auth: AuthMode;
  region?: string;
  /** Present when auth is `jwt`. */
  oidc?: OidcConfig;
}
