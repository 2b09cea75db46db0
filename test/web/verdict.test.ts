import { describe, expect, it } from 'vitest';
import { formatVerdict } from '../../functions/cli/format.ts';
import { isMatch, verdictDigits } from '../../functions/core/compare.ts';
import { decide, rarity } from '../../web/src/verdict.ts';

/** An API answer decided at its own threshold, as the API decides it. */
const answer = (similarity: number, threshold: number) => ({
  similarity,
  threshold,
  match: isMatch(similarity, threshold),
});

describe('decide', () => {
  it('is "Same person" at or above the threshold', () => {
    expect(decide(answer(0.93, 0.9))).toEqual({
      match: true,
      label: 'Same person',
      comparison: 'similarity 0.93 ≥ threshold 0.90',
      explanation:
        'Similarity is the cosine of the angle between the two face embeddings: 1 means identical; at or above the threshold (0.90) the faces are judged the same person.',
      thresholdText: '0.90',
    });
    expect(isMatch(0.9, 0.9)).toBe(true);
  });

  it('is "Different people" below it', () => {
    const verdict = decide(answer(0.41, 0.9));
    expect(verdict.match).toBe(false);
    expect(verdict.label).toBe('Different people');
    expect(verdict.comparison).toBe('similarity 0.41 < threshold 0.90');
  });

  it('re-decides the same similarity for another threshold, by the API’s rule', () => {
    expect(decide(answer(0.62, 0.9), 0.5).match).toBe(true);
    expect(decide(answer(0.62, 0.5), 0.7).match).toBe(false);
  });

  it("keeps the API's decision at the API's threshold: its similarity was exact, the answer's is rounded", () => {
    // 0.89996 answered as 0.9: below the threshold for the API, so for the page too.
    expect(decide({ similarity: 0.9, threshold: 0.9, match: false })).toMatchObject({
      match: false,
      comparison: 'similarity 0.90 < threshold 0.90',
    });
  });

  it('prints as the CLI prints', () => {
    for (const [similarity, threshold] of [
      [0.93, 0.9],
      [0.8999, 0.9],
      [0.9, 0.9],
      [-0.2, 0.3],
    ] as const) {
      const verdict = decide(answer(similarity, threshold));
      expect(formatVerdict({ ...answer(similarity, threshold) })).toBe(
        `${verdict.label} (${verdict.comparison})`,
      );
    }
  });

  it('prints four decimals when two would show a tie that is not one', () => {
    expect(verdictDigits(0.8999, 0.9)).toBe(4);
    expect(verdictDigits(0.9, 0.9)).toBe(2);
    expect(decide(answer(0.8999, 0.9)).comparison).toBe('similarity 0.8999 < threshold 0.9000');
    expect(decide(answer(0.8957, 0.904)).thresholdText).toBe('0.9040');
  });

  it('handles negative similarities', () => {
    expect(decide(answer(-0.2, 0.3)).comparison).toBe('similarity -0.20 < threshold 0.30');
  });
});

describe('rarity', () => {
  it('says how often different people score this high, and when the pair is judged as a profile pair', () => {
    expect(rarity({ far: 0.00012, pose: 'frontal' })).toBe(
      'A similarity this high: about 1 in 8,300 pairs of different people score this high (false-accept rate 0.00012).',
    );
    expect(rarity({ far: 0.02, pose: 'profile' })).toBe(
      'A similarity this high: about 1 in 50 pairs of different people score this high (false-accept rate 0.02). One face is seen from the side: such pairs have a threshold of their own.',
    );
  });
});
