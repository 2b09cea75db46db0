/** What every mode needs from the page: the API, and how to shrink or upload a photo. */
import type { ApiClient } from './api.ts';
import type { PhotoKeeper } from './photo-keeper.ts';
import type { PrepareDeps } from './prepare.ts';
import { shrinkToBudget } from './shrink.ts';

export interface ModeDeps {
  api: ApiClient;
  prepareDeps(signal: AbortSignal): PrepareDeps;
  /** Keeps the chosen photos across a sign-in (auth `jwt`). */
  keeper?: PhotoKeeper;
}

export function modeDeps(api: ApiClient, keeper?: PhotoKeeper): ModeDeps {
  return {
    api,
    keeper,
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
