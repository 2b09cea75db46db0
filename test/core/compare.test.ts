import { describe, expect, it } from 'vitest';
import { accuracy, cosineSimilarity, fitThreshold, isMatch, tarAtFar } from '../../functions/core/compare.ts';

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

describe('fitThreshold', () => {
  it('finds a cut between the classes when they separate', () => {
    const scores = [0.1, 0.2, 0.3].map((s) => ({ similarity: s, same: false }));
    scores.push(...[0.7, 0.8].map((s) => ({ similarity: s, same: true })));
    const fit = fitThreshold(scores);
    expect(fit.accuracy).toBe(1);
    expect(fit.threshold).toBeCloseTo(0.5);
    expect(accuracy(scores, fit.threshold)).toBe(1);
  });

  it('maximises accuracy when the classes overlap, and never splits tied similarities', () => {
    const scores = [
      { similarity: 0.2, same: false },
      { similarity: 0.4, same: true },
      { similarity: 0.5, same: false },
      { similarity: 0.5, same: true },
      { similarity: 0.6, same: true },
      { similarity: 0.9, same: true },
    ];
    const fit = fitThreshold(scores);
    expect(fit.accuracy).toBeCloseTo(5 / 6);
    expect(accuracy(scores, fit.threshold)).toBeCloseTo(fit.accuracy);
  });

  it('handles all-same and all-different pairs', () => {
    expect(fitThreshold([{ similarity: 0.3, same: true }]).accuracy).toBe(1);
    expect(fitThreshold([{ similarity: 0.3, same: false }]).accuracy).toBe(1);
    expect(() => fitThreshold([])).toThrow();
  });
});

describe('tarAtFar', () => {
  it('accepts at most the allowed share of impostors', () => {
    const impostors = Array.from({ length: 1000 }, (_, i) => ({ similarity: i / 1000, same: false }));
    const genuine = [0.9985, 0.9995, 0.5].map((similarity) => ({ similarity, same: true }));
    const { tar, threshold } = tarAtFar([...impostors, ...genuine], 1e-3);
    expect(impostors.filter((s) => s.similarity >= threshold)).toHaveLength(1);
    expect(tar).toBeCloseTo(2 / 3);
  });
});
