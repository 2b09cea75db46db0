import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  describeFar,
  estimateFar,
  isMatch,
  oneIn,
  similarityAtFar,
} from '../../functions/core/compare.ts';

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors, whatever their length', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([1, 1], [-3, -3])).toBeCloseTo(-1, 12);
  });

  it('refuses vectors of different sizes and treats a zero vector as dissimilar', () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/sizes differ/);
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
  });
});

describe('isMatch', () => {
  it('matches at and above the threshold only', () => {
    expect(isMatch(0.5, 0.5)).toBe(true);
    expect(isMatch(0.4999, 0.5)).toBe(false);
  });
});

describe('estimateFar', () => {
  const curve = [
    { similarity: 0.1, far: 1 },
    { similarity: 0.5, far: 0.01 },
    { similarity: 0.7, far: 0.0001 },
  ];

  it('reads the curve at its points and interpolates the rate log-linearly between them', () => {
    expect(estimateFar(0.5, curve)).toBeCloseTo(0.01, 12);
    expect(estimateFar(0.3, curve)).toBeCloseTo(0.1, 12);
    expect(estimateFar(0.6, curve)).toBeCloseTo(0.001, 12);
  });

  it('is 1 below the curve and the rarest measured rate (an upper bound) above it', () => {
    expect(estimateFar(-1, curve)).toBe(1);
    expect(estimateFar(0.99, curve)).toBe(0.0001);
  });

  it('never rises as the similarity grows', () => {
    let previous = 1;
    for (let s = -1; s <= 1; s += 0.01) {
      const far = estimateFar(s, curve);
      expect(far).toBeLessThanOrEqual(previous);
      previous = far;
    }
  });

  it('refuses an empty curve', () => {
    expect(() => estimateFar(0.5, [])).toThrow(RangeError);
  });
});

describe('similarityAtFar', () => {
  const curve = [
    { similarity: 0.1, far: 1 },
    { similarity: 0.5, far: 0.01 },
    { similarity: 0.7, far: 0.0001 },
  ];

  it("is estimateFar's inverse inside the curve: its points, and log-linear between them", () => {
    expect(similarityAtFar(0.01, curve)).toBeCloseTo(0.5, 12);
    expect(similarityAtFar(0.001, curve)).toBeCloseTo(0.6, 12);
    for (const far of [0.5, 0.02, 3e-3, 2e-4]) {
      expect(estimateFar(similarityAtFar(far, curve), curve)).toBeCloseTo(far, 12);
    }
  });

  it("is the curve's first similarity for a rate of 1 or more, and its last for a rate rarer than measured", () => {
    expect(similarityAtFar(1, curve)).toBe(0.1);
    expect(similarityAtFar(2, curve)).toBe(0.1);
    expect(similarityAtFar(1e-9, curve)).toBe(0.7);
  });

  it('rises as the rate falls, and refuses an empty curve', () => {
    expect(similarityAtFar(1e-3, curve)).toBeGreaterThan(similarityAtFar(1e-2, curve));
    expect(() => similarityAtFar(0.1, [])).toThrow(RangeError);
  });
});

describe('describeFar', () => {
  it('says how rare the score is between different people, to two significant digits', () => {
    expect(describeFar(0.0001)).toBe('about 1 in 10,000 pairs of different people score this high');
    expect(describeFar(0.00012)).toBe('about 1 in 8,300 pairs of different people score this high');
    expect(describeFar(0.6)).toBe('about 1 in 1.7 pairs of different people score this high');
    expect(describeFar(1)).toBe('most pairs of different people score this high');
    expect(describeFar(Number.NaN)).toBe('no false-accept rate is calibrated for this score');
  });
});

describe('oneIn', () => {
  it('puts a chance as "1 in N" to two significant digits, or nothing when it is about every time', () => {
    expect(oneIn(0.0014)).toBe('1 in 710');
    expect(oneIn(0.5)).toBe('1 in 2');
    expect(oneIn(0.97)).toBeUndefined();
    expect(oneIn(0)).toBeUndefined();
    expect(oneIn(Number.NaN)).toBeUndefined();
  });
});
