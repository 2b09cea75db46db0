/**
 * Face ids derived from where a photo came from (Node only: the page bundles ids.ts, not this).
 */
import { createHash } from 'node:crypto';

/**
 * The faceId of the `index`-th face enrolled from one source (an upload's key and the sha256 of its
 * bytes): the same every time that source is enrolled, so enrolling it again stores nothing twice.
 * A UUID of version 8 (RFC 9562's custom layout) over SHA-256, lower-case like the random ones.
 */
export function derivedFaceId(source: string, index: number): string {
  const hex = createHash('sha256').update(`faceverify-face\0${source}\0${index}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
