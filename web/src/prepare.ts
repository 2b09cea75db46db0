/**
 * Makes a chosen photo sendable: as it is when it fits the direct limit; else shrunk in the browser to an
 * upright JPEG; else (a format this browser cannot decode, e.g. HEIC outside Safari) uploaded whole
 * through /uploads. `display` is what the page shows, in the same pixels the API will answer in.
 */
import type { ImagePayload } from './types.ts';

export interface Prepared {
  payload: ImagePayload;
  /** The image to show: the bytes sent, or the original when it went to S3. */
  display: Blob;
  /** True when the page re-encoded the photo. */
  resized: boolean;
}

export interface PrepareDeps {
  /** Shrinks to at most `budget` bytes; rejects when the browser cannot decode the file. */
  shrink: (file: Blob, budget: number) => Promise<Blob>;
  /** Puts the file in the upload bucket; undefined where /uploads is not offered. */
  upload?: (file: Blob) => Promise<ImagePayload>;
}

export interface PrepareOptions {
  budget: number;
  /** Shrink even a photo under budget (after the API said it has too many pixels). */
  force?: boolean;
}

export async function prepareImage(
  file: Blob,
  options: PrepareOptions,
  deps: PrepareDeps,
): Promise<Prepared> {
  if (file.size <= options.budget && !options.force) {
    return { payload: { kind: 'bytes', blob: file }, display: file, resized: false };
  }
  let shrunk: Blob;
  try {
    shrunk = await deps.shrink(file, options.budget);
  } catch (error) {
    if (!deps.upload) throw error;
    return { payload: await deps.upload(file), display: file, resized: false };
  }
  return { payload: { kind: 'bytes', blob: shrunk }, display: shrunk, resized: true };
}

/** How the photo travelled, for its caption: empty when it went as chosen. */
export function sentNote(prepared: Prepared | undefined): string {
  if (prepared?.resized) return ", shrunk in your browser to fit the API's size limit";
  if (prepared?.payload.kind === 's3') return ', sent through an upload (too large to send directly)';
  return '';
}
