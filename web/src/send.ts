/**
 * Sends one request's photos: each prepared to its share of the direct limit; and if the API still finds
 * one too large (too many pixels, though few bytes), that one shrunk and the request made once more.
 */
import { ApiError } from './errors.ts';
import { budgetPerImage } from './limits.ts';
import { type PrepareDeps, type Prepared, prepareImage } from './prepare.ts';

export interface Sent<T> {
  result: T;
  /** What was sent for each photo, in order: show `display`, it is in the API's pixels. */
  prepared: Prepared[];
}

/** Which photos an ImageTooLarge error is about: the one it names, else all of them. */
function offenders(error: ApiError, count: number): number[] {
  if (count === 2 && error.image) return [error.image === 'source' ? 0 : 1];
  return Array.from({ length: count }, (_, i) => i);
}

export async function sendPhotos<T>(
  photos: readonly Blob[],
  call: (prepared: Prepared[]) => Promise<T>,
  deps: PrepareDeps,
  onStage: (stage: 'preparing' | 'sending') => void = () => {},
): Promise<Sent<T>> {
  const budget = budgetPerImage(photos.length);
  onStage('preparing');
  const prepared = await Promise.all(photos.map((photo) => prepareImage(photo, { budget }, deps)));
  onStage('sending');
  try {
    return { result: await call(prepared), prepared };
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'ImageTooLarge')) throw error;
    const retry = offenders(error, photos.length).filter((i) => !prepared[i]?.resized);
    if (retry.length === 0) throw error;
    onStage('preparing');
    for (const i of retry) {
      prepared[i] = await prepareImage(photos[i] as Blob, { budget, force: true }, { shrink: deps.shrink });
    }
    onStage('sending');
    return { result: await call(prepared), prepared };
  }
}
