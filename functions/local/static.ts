/** The web page's files for the local server: `web/dist` when built, else `web/` as it is. */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function webRoot(): string {
  const dist = join(WEB, 'dist');
  return existsSync(dist) ? dist : WEB;
}

/** Sends the file the path names under `root`; false when there is none (or the path leaves `root`). */
export async function serveStatic(
  root: string,
  pathname: string,
  response: ServerResponse,
  head = false,
): Promise<boolean> {
  let file: string;
  try {
    file = resolve(root, `.${decodeURIComponent(pathname)}`);
  } catch {
    return false; // malformed percent-encoding
  }
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) file = join(file, 'index.html');
  const content = await readFile(file).catch(() => undefined);
  if (!content) return false;
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': content.length,
    'cache-control': 'no-cache',
  });
  response.end(head ? undefined : content);
  return true;
}
