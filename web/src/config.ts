/**
 * Where the API is. On AWS the deploy writes `config.json` next to the page; locally there is none (or its
 * `apiUrl` is empty) and the API is the page's own origin.
 */

export type AuthMode = 'none' | 'jwt' | 'iam';

export interface PageConfig {
  /** Absolute base URL of the API, ending in `/`. */
  apiBase: string;
  auth: AuthMode;
}

const AUTH_MODES: readonly AuthMode[] = ['none', 'jwt', 'iam'];

/** Turns config.json's content (or its absence) into a PageConfig; `pageUrl` resolves a relative apiUrl. */
export function parseConfig(raw: unknown, pageUrl: string): PageConfig {
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const apiUrl = typeof fields.apiUrl === 'string' ? fields.apiUrl.trim() : '';
  const auth = AUTH_MODES.find((mode) => mode === fields.auth) ?? 'none';
  const base = new URL(apiUrl === '' ? '/' : apiUrl, pageUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return { apiBase: base.href, auth };
}

/** `endpoint('https://x/prod/', 'detect')` → `https://x/prod/detect` (a path under the base, never above it). */
export function endpoint(apiBase: string, path: string): string {
  return new URL(path.replace(/^\/+/, ''), apiBase).href;
}

/** Fetches config.json; a missing or unreadable file means "same origin, no auth". */
export async function loadConfig(fetchFn: typeof fetch, pageUrl: string): Promise<PageConfig> {
  let raw: unknown = {};
  try {
    const response = await fetchFn(new URL('config.json', pageUrl), { cache: 'no-cache' });
    if (response.ok) raw = await response.json();
  } catch {
    // No config.json (local server) or not JSON: the defaults below apply.
  }
  return parseConfig(raw, pageUrl);
}
