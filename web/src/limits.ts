/**
 * How large a photo may be sent directly. API Gateway caps a synchronous Lambda request near 6 MB and a
 * photo reaches the function base64-encoded (×4/3, in the event or in our JSON), so the images of one
 * request may total about 4.5 MB. Larger photos are shrunk in the browser, or sent through /uploads.
 */
import type { Size } from './types.ts';

export const DIRECT_LIMIT_BYTES = 4_500_000;

/** The largest side a shrunk photo starts from: plenty for faces, and far under the API's pixel limit. */
export const RESIZE_MAX_SIDE = 4096;

/** JPEG quality of a shrunk photo. */
export const RESIZE_QUALITY = 0.9;

/** Each photo's share of one request's budget. */
export function budgetPerImage(imagesInRequest: number, limit = DIRECT_LIMIT_BYTES): number {
  return Math.floor(limit / Math.max(1, imagesInRequest));
}

/** The size scaled down (never up) so that its longer side is at most maxSide, in whole pixels. */
export function fitWithin(size: Size, maxSide: number): Size {
  const factor = Math.min(1, maxSide / Math.max(size.width, size.height));
  return {
    width: Math.max(1, Math.round(size.width * factor)),
    height: Math.max(1, Math.round(size.height * factor)),
  };
}

/**
 * The next size to try after an encode came out at `bytes`, over `budget`: JPEG bytes grow about with the
 * pixel count, so scale both sides by √(budget / bytes), with a margin so that one retry usually suffices.
 */
export function shrinkFor(size: Size, bytes: number, budget: number): Size {
  const factor = Math.min(0.9, Math.sqrt(budget / bytes) * 0.9);
  return fitWithin(size, Math.round(Math.max(size.width, size.height) * factor));
}
