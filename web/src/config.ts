/**
 * Where the API is and how to sign in to it, read from `config.json` (its contract:
 * functions/shared/site-config.ts). On AWS the deploy writes it next to the page; `FACEVERIFY_AUTH=jwt
 * npm start` serves one naming its development provider; plain `npm start` has none, and the API is
 * then the page's own origin, open.
 */

import { AUTH_MODES, type AuthMode } from '../../functions/shared/contract.ts';
import { type OidcConfig, SITE_CONFIG_FILE } from '../../functions/shared/site-config.ts';

export type { AuthMode, OidcConfig };
export { SITE_CONFIG_FILE };

export interface PageConfig {
  /** Absolute base URL of the API, ending in `/`. */
  apiBase: string;
  auth: AuthMode;
  /** With auth `jwt`: how to sign in; missing when config.json does not say (the page then says so). */
  oidc?: OidcConfig;
}

function parseOidc(raw: unknown): OidcConfig | undefined {
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const { issuer, clientId, scope, logoutUrl } = fields;
  if (
    typeof issuer !== 'string' ||
    !URL.canParse(issuer) ||
    typeof clientId !== 'string' ||
    clientId === ''
  ) {
    return undefined;
  }
  const scopes = typeof scope === 'string' && scope.trim() !== '' ? scope.trim() : 'openid';
  return {
    issuer,
    clientId,
    scope: scopes.split(/\s+/).includes('openid') ? scopes : `openid ${scopes}`,
    ...(typeof logoutUrl === 'string' && URL.canParse(logoutUrl) && { logoutUrl }),
  };
}

/** Turns config.json's content (or its absence) into a PageConfig; `pageUrl` resolves a relative apiUrl. */
export function parseConfig(raw: unknown, pageUrl: string): PageConfig {
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const apiUrl = typeof fields.apiUrl === 'string' ? fields.apiUrl.trim() : '';
  const auth = AUTH_MODES.find((mode) => mode === fields.auth) ?? 'none';
  const base = new URL(apiUrl === '' ? '/' : apiUrl, pageUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  const oidc = auth === 'jwt' ? parseOidc(fields.oidc) : undefined;
  return { apiBase: base.href, auth, ...(oidc && { oidc }) };
}

/** `endpoint('https://x/prod/', 'detect')` → `https://x/prod/detect` (a path under the base, never above it). */
export function endpoint(apiBase: string, path: string): string {
  return new URL(path.replace(/^\/+/, ''), apiBase).href;
}

/** Fetches config.json; a missing or unreadable file means "same origin, no auth". */
export async function loadConfig(fetchFn: typeof fetch, pageUrl: string): Promise<PageConfig> {
  let raw: unknown = {};
  try {
    const response = await fetchFn(new URL(SITE_CONFIG_FILE, pageUrl), { cache: 'no-cache' });
    // Read the body whatever the status: an unread one keeps the connection busy (no network idle).
    const text = await response.text();
    if (response.ok) raw = JSON.parse(text);
  } catch {
    // No config.json (local server) or not JSON: the defaults below apply.
  }
  return parseConfig(raw, pageUrl);
}
