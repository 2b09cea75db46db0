/** What every mode needs from the page: the API, and how to shrink or upload a photo. */
import type { ApiClient } from './api.ts';
import type { PrepareDeps } from './prepare.ts';
import { shrinkToBudget } from './shrink.ts';

export interface ModeDeps {
  api: ApiClient;
  prepareDeps(signal: AbortSignal): PrepareDeps;
}

export function modeDeps(api: ApiClient): ModeDeps {
  return {
    api,
    prepareDeps: (signal) => ({ shrink: shrinkToBudget, upload: (file) => api.upload(file, signal) }),
  };
}

/** Starts a fresh request, cancelling the previous one: only the latest photo's answer is shown. */
export function latestOnly(): () => AbortSignal {
  let controller: AbortController | undefined;
  return () => {
    controller?.abort();
    controller = new AbortController();
    return controller.signal;
  };
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
