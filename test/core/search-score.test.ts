import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../functions/core/compare.ts';
import { fuseEmbeddings } from '../../functions/core/embedder.ts';
import type { SearchCalibration } from '../../functions/core/manifest.ts';
import type { MatchCalibration } from '../../functions/core/match.ts';
import { searchProbe, searchScore, searchScoring } from '../../functions/core/search-score.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

function unit(dimension: number, random: () => number): Float32Array {
  const v = new Float32Array(dimension).map(() => random() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const verify: MatchCalibration = {
  threshold: 0.86,
  far: [
    { similarity: 0.5, far: 1 },
    { similarity: 0.9, far: 1e-4 },
  ],
};
const search: SearchCalibration = {
  weights: [0.6, 0.4],
  far: [
    { similarity: 0.4, far: 1 },
    { similarity: 0.8, far: 1e-6 },
  ],
  profile: { far: [{ similarity: 0.3, far: 1 }] },
  fittedOn: 'a test',
};
const layout = [
  { dimension: 5, weight: 0.9 },
  { dimension: 3, weight: 0.1 },
];

describe('searchProbe', () => {
  it("scores a stored fused vector with search's weights: Σ wᵢ·cosᵢ", () => {
    const random = seededRandom(3);
    const [a1, a2, b1, b2] = [unit(5, random), unit(3, random), unit(5, random), unit(3, random)];
    const stored = fuseEmbeddings([b1, b2], [0.9, 0.1]);
    const probe = searchProbe(
      fuseEmbeddings([a1, a2], [0.9, 0.1]),
      searchScoring(layout, search, verify).parts,
    );
    const want = 0.6 * cosineSimilarity(a1, b1) + 0.4 * cosineSimilarity(a2, b2);
    // As a store answers: the cosine with the reweighted probe, rescaled by its length.
    expect(searchScore(cosineSimilarity(probe.vector, stored), probe)).toBeCloseTo(want, 6);
    // The same as fusing both sides with search's weights.
    expect(want).toBeCloseTo(
      cosineSimilarity(fuseEmbeddings([a1, a2], [0.6, 0.4]), fuseEmbeddings([b1, b2], [0.6, 0.4])),
      6,
    );
  });

  it('leaves the probe as it is when search weights the parts as stored', () => {
    const embedding = fuseEmbeddings([unit(5, seededRandom(1)), unit(3, seededRandom(2))], [0.9, 0.1]);
    const probe = searchProbe(embedding, searchScoring(layout, undefined, verify).parts);
    expect([...probe.vector]).toEqual([...embedding]);
    expect(probe.norm).toBeCloseTo(1, 6);
  });

  it('refuses an embedding of another length', () => {
    expect(() => searchProbe(new Float32Array(7), searchScoring(layout, search, verify).parts)).toThrow(
      RangeError,
    );
  });
});

describe('searchScoring', () => {
  it("takes search's weights and curves, with no threshold of its own", () => {
    const scoring = searchScoring(layout, search, verify);
    expect(scoring.parts.map((p) => [p.dimension, p.stored, p.search])).toEqual([
      [5, 0.9, 0.6],
      [3, 0.1, 0.4],
    ]);
    expect(scoring.calibration.far).toBe(search.far);
    expect(scoring.calibration.profile?.far).toBe(search.profile?.far);
    expect(scoring.calibration.threshold).toBeNaN();
  });

  it("is verify's score and curves without a search calibration", () => {
    const scoring = searchScoring([{ dimension: 8, weight: 1 }], undefined, verify);
    expect(scoring.calibration).toBe(verify);
    expect(scoring.parts).toEqual([{ dimension: 8, stored: 1, search: 1 }]);
  });

  it('refuses weights that do not match the parts', () => {
    expect(() => searchScoring([{ dimension: 8, weight: 1 }], search, verify)).toThrow(RangeError);
  });
});
