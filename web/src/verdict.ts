/**
 * The verification verdict: the API's own decision at the threshold it answered with, re-decided on the
 * page by the API's rule (core/compare.ts) when the threshold slider moves, printed with the CLI's rounding.
 */
import {
  describeComparison,
  describeFar,
  isMatch,
  verdictDigits,
  verdictLabel,
} from '../../functions/core/compare.ts';
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

/**
 * The verdict at `threshold`: the API's `match` when it is the threshold the API decided at (its
 * similarity is exact, the answer's rounded), else the same rule applied to the answer's similarity.
 */
export function decide(
  { similarity, ...answer }: Pick<VerifyResponse, 'similarity' | 'threshold' | 'match'>,
  threshold = answer.threshold,
): Verdict {
  const match = threshold === answer.threshold ? answer.match : isMatch(similarity, threshold);
  const t = threshold.toFixed(verdictDigits(similarity, threshold));
  return {
    match,
    label: verdictLabel(match),
    comparison: describeComparison(similarity, threshold, match),
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
