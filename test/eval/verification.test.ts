import { describe, expect, it } from 'vitest';
import {
  crossPersonScores,
  type Embeddings,
  fitPoseThresholds,
  fitWeights,
  fuse,
  personOf,
  poseAccuracy,
  scorePairs,
  weightGrid,
} from '../../scripts/eval/verification.ts';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

describe('personOf', () => {
  it('names the person of an LFW or a CFP photo', () => {
    expect(personOf('/d/lfw-view1/images/Ann_Lee/Ann_Lee_0002.jpg')).toBe('Ann_Lee');
    expect(personOf('/d/cfp-dev/images/251/profile/01.jpg')).toBe('cfp:251');
    expect(personOf('/d/cfp-dev/images/251/frontal/07.jpg')).toBe('cfp:251');
  });
});

describe('crossPersonScores', () => {
  it('scores each pair of images of two different people once, skipping images without a face', () => {
    const embeddings: Embeddings = new Map([
      ['/i/A/A_1.jpg', unit(1, 0)],
      ['/i/A/A_2.jpg', unit(1, 1)],
      ['/i/B/B_1.jpg', unit(0, 1)],
    ]);
    const files = ['/i/A/A_1.jpg', '/i/A/A_2.jpg', '/i/B/B_1.jpg', '/i/C/C_1.jpg'];
    const { frontal, profile } = crossPersonScores(files, embeddings);
    expect(profile).toHaveLength(0);
    expect(frontal).toHaveLength(2);
    expect(frontal[0]).toBeCloseTo(0, 6);
    expect(frontal[1]).toBeCloseTo(Math.SQRT1_2, 6);
    const split = crossPersonScores(files, embeddings, new Set(['/i/A/A_2.jpg']));
    expect([...split.frontal].map((s) => s.toFixed(3))).toEqual(['0.000']);
    expect([...split.profile].map((s) => s.toFixed(3))).toEqual(['0.707']);
  });
});

describe('weightGrid', () => {
  it('spans the simplex without zero weights', () => {
    expect(weightGrid(1)).toEqual([[1]]);
    expect(weightGrid(2, 0.25)).toEqual([
      [0.25, 0.75],
      [0.5, 0.5],
      [0.75, 0.25],
    ]);
    const three = weightGrid(3, 0.1);
    expect(three).toHaveLength(36);
    for (const w of three) expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('fitPoseThresholds and poseAccuracy', () => {
  // Frontal pairs separate at 0.8, pairs with a profile (image p) at 0.4.
  const embeddings: Embeddings = new Map([
    ['a', unit(1, 0)],
    ['b', unit(0.9, Math.sqrt(1 - 0.81))],
    ['c', unit(0.7, Math.sqrt(1 - 0.49))],
    ['p', unit(0.5, Math.sqrt(1 - 0.25))],
    ['q', unit(0.3, Math.sqrt(1 - 0.09))],
  ]);
  const pairs = [
    { a: 'a', b: 'b', same: true },
    { a: 'a', b: 'c', same: false },
    { a: 'a', b: 'p', same: true },
    { a: 'a', b: 'q', same: false },
  ];
  const profiles = new Set(['p', 'q']);

  it('fits one threshold for frontal pairs and one for pairs with a profile', () => {
    const t = fitPoseThresholds(pairs, embeddings, profiles);
    expect(t.frontal).toBeCloseTo(0.8, 6);
    expect(t.profile).toBeCloseTo(0.4, 6);
    expect(poseAccuracy(pairs, embeddings, profiles, t)).toBe(1);
    // One threshold for all cannot get every pair right.
    expect(poseAccuracy(pairs, embeddings, profiles, { frontal: 0.8, profile: 0.8 })).toBe(0.75);
  });
});

describe('fuse and fitWeights', () => {
  // Embedder 1 tells people apart on pair p only, embedder 2 on pair q only.
  const one: Embeddings = new Map([
    ['a', unit(1, 0)],
    ['b', unit(1, 0.05)],
    ['c', unit(0, 1)],
    ['d', unit(0.1, 1)],
  ]);
  const two: Embeddings = new Map([
    ['a', unit(1, 0)],
    ['b', unit(0, 1)],
    ['c', unit(1, 0)],
    ['d', unit(1, 0.02)],
  ]);
  const pairs = [
    { a: 'a', b: 'b', same: true },
    { a: 'c', b: 'd', same: true },
    { a: 'a', b: 'c', same: false },
    { a: 'b', b: 'd', same: false },
  ];

  it('fuses to a cosine that is the weighted sum of the parts', () => {
    const fused = fuse([one, two], [0.25, 0.75]);
    const [s] = scorePairs([pairs[0] as (typeof pairs)[0]], fused);
    const [s1] = scorePairs([pairs[0] as (typeof pairs)[0]], one);
    const [s2] = scorePairs([pairs[0] as (typeof pairs)[0]], two);
    expect(s?.similarity).toBeCloseTo(0.25 * (s1?.similarity ?? 0) + 0.75 * (s2?.similarity ?? 0), 6);
  });

  it('chooses the weights that order the training pairs best', () => {
    const fit = fitWeights([one, two], pairs, 0.1);
    expect(fit.trainAuc).toBe(1);
    expect(fit.weights[0]).toBeGreaterThan(0.5);
  });
});
