/** A poor face's quality in words, for people (the CLI, the page). Pure, types only. */
import type { Face, VerifyResult } from './types.ts';

/** Below these a face reads as blurred, dark, small; above, overexposed; past TURNED, turned aside. */
const BLURRED = 15;
const DARK = 25;
const OVEREXPOSED = 85;
const SMALL_PX = 40;
const TURNED = 45;

/** What makes a face poor, most telling first: `turned aside and blurred`, or `hard to read`. */
export function describeQuality(face: Face): string {
  const { headPose, quality } = face;
  const reasons = [
    headPose && Math.abs(headPose.yaw) >= TURNED ? 'turned aside' : '',
    quality && quality.sharpness < BLURRED ? 'blurred' : '',
    quality && quality.brightness < DARK ? 'dark' : '',
    quality && quality.brightness > OVEREXPOSED ? 'overexposed' : '',
    face.box.width < SMALL_PX ? 'small' : '',
  ].filter(Boolean);
  if (reasons.length === 0) return 'hard to read';
  return reasons.length === 1
    ? (reasons[0] as string)
    : `${reasons.slice(0, -1).join(', ')} and ${reasons.at(-1)}`;
}

/**
 * One sentence when a compared face is poor, else undefined: "The second photo's face is blurred:
 * the verdict is less reliable."
 */
export function poorFacesNote(
  result: Pick<VerifyResult, 'poorFaces' | 'source' | 'target'>,
): string | undefined {
  if (result.poorFaces.length === 0) return undefined;
  const which = { source: 'first', target: 'second' } as const;
  const parts = result.poorFaces.map(
    (role) => `the ${which[role]} photo's face is ${describeQuality(result[role])}`,
  );
  const sentence = parts.join(' and ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}: the verdict is less reliable.`;
}
