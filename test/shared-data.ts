/** The shared face data beside the project (../shared/data, see its README), which tests use where present. */
import { existsSync } from 'node:fs';

/** LFW View 1's image folder (one folder per person). */
export const LFW = new URL('../../shared/data/lfw-view1/images/', import.meta.url);

/** Whether LFW's images are here; without them, says on the console what is skipped. */
export function hasLfw(skipped: string): boolean {
  const present = existsSync(LFW);
  if (!present) console.warn(`${skipped}: no LFW images at ${LFW.pathname} (shared face data)`);
  return present;
}
