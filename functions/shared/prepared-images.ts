/**
 * Per-image work shared across a batch: FaceService.prepare's result (faces and embeddings) kept by
 * the sha256 of the image's bytes, so an image that appears in many pairs is decoded, detected and
 * embedded once. Bounded: least recently used entries are evicted past `maxEntries` (≈1–2 KB each).
 * Only successes are kept; concurrent requests for the same image share one computation.
 */
import { createHash } from 'node:crypto';
import { type FaceService, type ImageRole, namingImage, type PreparedImage } from '../core/engine.ts';

export const DEFAULT_CACHED_IMAGES = 8192;

export class PreparedImageCache {
  private readonly entries = new Map<string, Promise<PreparedImage>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly engine: Pick<FaceService, 'prepare'>,
    readonly maxEntries = DEFAULT_CACHED_IMAGES,
  ) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new RangeError('maxEntries must be ≥ 1');
  }

  get size(): number {
    return this.entries.size;
  }

  prepare(bytes: Uint8Array, role: ImageRole, everyFace = false): Promise<PreparedImage> {
    const key = `${everyFace ? 'every' : 'largest'}:${createHash('sha256').update(bytes).digest('base64')}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      // Still pending, it may fail naming the role it was first asked for.
      return namingImage(cached, role);
    }
    this.misses++;
    const pending = this.engine.prepare(bytes, role, everyFace);
    this.entries.set(key, pending);
    // A failure is not kept: the next pair asks again.
    pending.catch(() => {
      if (this.entries.get(key) === pending) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return pending;
  }
}
