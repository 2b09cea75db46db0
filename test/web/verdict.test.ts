import { describe, expect, it } from 'vitest';
import { decide, digitsFor, isMatch, rarity } from '../../web/src/verdict.ts';

describe('decide', () => {
  it('is "Same person" at or above the threshold', () => {
    expect(decide(0.93, 0.9)).toEqual({
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
    const verdict = decide(0.41, 0.9);
    expect(verdict.match).toBe(false);
    expect(verdict.label).toBe('Different people');
    expect(verdict.comparison).toBe('similarity 0.41 < threshold 0.90');
  });

  it('re-decides the same similarity for another threshold', () => {
    expect(decide(0.62, 0.5).match).toBe(true);
    expect(decide(0.62, 0.7).match).toBe(false);
  });

  it('prints four decimals when two would show a tie that is not one', () => {
    expect(digitsFor(0.8999, 0.9)).toBe(4);
    expect(digitsFor(0.9, 0.9)).toBe(2);
    expect(decide(0.8999, 0.9).comparison).toBe('similarity 0.8999 < threshold 0.9000');
    expect(decide(0.8957, 0.904).thresholdText).toBe('0.9040');
  });

  it('handles negative similarities', () => {
    expect(decide(-0.2, 0.3).comparison).toBe('similarity -0.20 < threshold 0.30');
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
