/** The verification verdict, re-decided on the page when the threshold slider moves. */
import { describeFar } from '../../functions/core/compare.ts';
import type { VerifyResponse } from './types.ts';

export interface Verdict {
  match: boolean;
  /** "Same person" or "Different people". */
  label: string;
  /** e.g. "similarity 0.93 ≥ threshold 0.90" */
  comparison: string;
  /** What the score means, in one sentence. */
  explanation: string;
  /** The threshold as the comparison prints it, for the slider's value. */
  thresholdText: string;
}

/** The API's rule: a pair matches when its similarity reaches the threshold. */
export function isMatch(similarity: number, threshold: number): boolean {
  return similarity >= threshold;
}

/** Two decimals, unless that would print a tie that is not one. */
export function digitsFor(similarity: number, threshold: number): number {
  return similarity.toFixed(2) === threshold.toFixed(2) && similarity !== threshold ? 4 : 2;
}

export function decide(similarity: number, threshold: number): Verdict {
  const match = isMatch(similarity, threshold);
  const digits = digitsFor(similarity, threshold);
  const t = threshold.toFixed(digits);
  return {
    match,
    label: match ? 'Same person' : 'Different people',
    comparison: `similarity ${similarity.toFixed(digits)} ${match ? '≥' : '<'} threshold ${t}`,
    explanation:
      'Similarity is the cosine of the angle between the two face embeddings: 1 means identical; ' +
      `at or above the threshold (${t}) the faces are judged the same person.`,
    thresholdText: t,
  };
}

/**
 * How rare the score is between different people, which no threshold changes: "A similarity this
 * high: about 1 in 8,300 pairs of different people score this high (false-accept rate 0.00012)."
 * Profile pairs say they are judged as such.
 */
export function rarity({ far, pose }: Pick<VerifyResponse, 'far' | 'pose'>): string {
  const profile =
    pose === 'profile' ? ' One face is seen from the side: such pairs have a threshold of their own.' : '';
  return `A similarity this high: ${describeFar(far)} (false-accept rate ${far}).${profile}`;
}
