/**
 * Which API routes answer without credentials in every auth mode; the others (the image routes) need the
 * caller to be authorized. One list for the CDK API and the local server, free of CDK imports.
 */
import type { RouteKey } from './handler.ts';

export const PUBLIC_ROUTES: readonly RouteKey[] = ['GET /health', 'GET /openapi.json'];

export function isPublicRoute(key: string): boolean {
  return PUBLIC_ROUTES.some((route) => route === key);
}
