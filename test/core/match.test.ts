import { describe, expect, it } from 'vitest';
import { estimateFar } from '../../functions/core/compare.ts';
import {
  decide,
  fpirOfFar,
  type MatchCalibration,
  matchFaces,
  pairCalibration,
  pairFarForFpir,
  pairPose,
  searchThresholds,
} from '../../functions/core/match.ts';

const calibration: MatchCalibration = {
  threshold: 0.6,
  far: [
    { similarity: 0.1, far: 1 },
    { similarity: 0.5, far: 0.01 },
    { similarity: 0.7, far: 1e-4 },
    { similarity: 0.9, far: 1e-8 },
  ],
  profile: {
    threshold: 0.5,
    far: [
      { similarity: 0, far: 1 },
      { similarity: 0.4, far: 0.01 },
      { similarity: 0.8, far: 1e-8 },
    ],
  },
};

/** A unit vector in the plane whose cosine with (1, 0) is `cos`. */
const unit = (cos: number) => Float32Array.of(cos, Math.sqrt(1 - cos * cos));
const probe = { embedding: unit(1), pose: 'frontal' as const };

describe('pairPose and pairCalibration: the pose rule', () => {
  it('calls a pair profile when either face is', () => {
    expect(pairPose('frontal', 'frontal')).toBe('frontal');
    expect(pairPose('profile', 'frontal')).toBe('profile');
    expect(pairPose('frontal', 'profile')).toBe('profile');
    expect(pairPose('profile', 'profile')).toBe('profile');
  });

  it('decides a pair on the profile calibration when either face is in profile', () => {
    expect(pairCalibration(calibration, 'frontal', 'frontal')).toMatchObject({
      pose: 'frontal',
      threshold: 0.6,
    });
    expect(pairCalibration(calibration, 'profile', 'frontal')).toMatchObject({
      pose: 'profile',
      threshold: 0.5,
    });
    expect(pairCalibration(calibration, 'frontal', 'profile')).toMatchObject({
      pose: 'profile',
      threshold: 0.5,
    });
  });

  it('falls back to the frontal calibration, and says so, when no profile one is calibrated', () => {
    const { profile: _, ...frontalOnly } = calibration;
    expect(pairCalibration(frontalOnly, 'profile', 'profile')).toMatchObject({
      pose: 'frontal',
      threshold: 0.6,
    });
  });
});

describe('decide', () => {
  it("decides at the pair's threshold, inclusive, with the far of the pair's curve", () => {
    expect(decide(calibration, 0.6, ['frontal', 'frontal'])).toEqual({
      similarity: 0.6,
      pose: 'frontal',
      threshold: 0.6,
      match: true,
      far: estimateFar(0.6, calibration.far),
    });
    const profile = decide(calibration, 0.55, ['profile', 'frontal']);
    expect(profile).toMatchObject({ pose: 'profile', threshold: 0.5, match: true });
    expect(profile.far).toBeCloseTo(estimateFar(0.55, calibration.profile?.far ?? []), 15);
    expect(decide(calibration, 0.55, ['frontal', 'frontal']).match).toBe(false);
  });

  it("takes a caller's one threshold for every pose, or one per pose", () => {
    expect(decide(calibration, 0.55, ['profile', 'profile'], 0.56)).toMatchObject({
      threshold: 0.56,
      match: false,
    });
    const perPose = { frontal: 0.3, profile: 0.9 };
    expect(decide(calibration, 0.55, ['frontal', 'frontal'], perPose)).toMatchObject({
      threshold: 0.3,
      match: true,
    });
    expect(decide(calibration, 0.55, ['frontal', 'profile'], perPose)).toMatchObject({
      threshold: 0.9,
      match: false,
    });
  });

  it('gives far NaN and matches nothing at a NaN threshold when uncalibrated', () => {
    const none: MatchCalibration = { threshold: Number.NaN, far: [] };
    expect(decide(none, 0.99, ['frontal', 'frontal'])).toMatchObject({ match: false, far: Number.NaN });
    expect(decide(none, 0.99, ['frontal', 'frontal'], 0.5)).toMatchObject({ match: true, far: Number.NaN });
  });
});

describe('matchFaces', () => {
  const candidates = [
    { embedding: unit(0.2), pose: 'frontal' as const },
    { embedding: unit(0.55), pose: 'profile' as const },
    { embedding: unit(0.58), pose: 'frontal' as const },
    { embedding: unit(0.55), pose: 'frontal' as const },
  ];

  it('ranks every candidate by similarity, ties in their order, each decided at its own pose pair', () => {
    const ranked = matchFaces(calibration, probe, candidates);
    expect(ranked.map((d) => d.index)).toEqual([2, 1, 3, 0]);
    expect(ranked.map((d) => [d.pose, d.match])).toEqual([
      ['frontal', false],
      ['profile', true],
      ['frontal', false],
      ['frontal', false],
    ]);
    expect(ranked[0]?.similarity).toBeCloseTo(0.58, 6);
  });

  it("keeps the top maxResults whether or not they match, and honours a caller's threshold", () => {
    const top = matchFaces(calibration, probe, candidates, { maxResults: 2, threshold: 0.57 });
    expect(top.map((d) => [d.index, d.match, d.threshold])).toEqual([
      [2, true, 0.57],
      [1, false, 0.57],
    ]);
    expect(matchFaces(calibration, probe, [])).toEqual([]);
  });

  it('refuses embeddings of different sizes', () => {
    expect(() =>
      matchFaces(calibration, probe, [{ embedding: Float32Array.of(1, 0, 0), pose: 'frontal' }]),
    ).toThrow(/sizes differ/);
  });
});

describe('FPIR at a collection size', () => {
  it('pairFarForFpir and fpirOfFar are inverse to each other, and exact for one face', () => {
    expect(pairFarForFpir(0.01, 1)).toBeCloseTo(0.01, 15);
    for (const faceCount of [1, 300, 1e5, 1e7]) {
      const far = pairFarForFpir(0.01, faceCount);
      expect(fpirOfFar(far, faceCount)).toBeCloseTo(0.01, 12);
    }
    // About maxFpir / faceCount for small rates, and computed without cancellation.
    expect(pairFarForFpir(0.01, 1e5) / (0.01 / 1e5)).toBeCloseTo(1.005, 3);
    expect(pairFarForFpir(0.01, 1e9)).toBeGreaterThan(0);
  });

  it('fpirOfFar: none for an empty collection, certain at far 1, growing with the collection', () => {
    expect(fpirOfFar(0.001, 0)).toBe(0);
    expect(fpirOfFar(1, 5)).toBe(1);
    expect(fpirOfFar(0.001, 1000)).toBeCloseTo(1 - 0.999 ** 1000, 12);
    expect(fpirOfFar(0.001, 2000)).toBeGreaterThan(fpirOfFar(0.001, 1000));
  });

  it('refuses an FPIR outside (0, 1)', () => {
    for (const bad of [0, 1, -0.1, Number.NaN]) expect(() => pairFarForFpir(bad, 10)).toThrow(RangeError);
  });

  it('searchThresholds: per pose curve, the similarity whose estimated FPIR at the size is maxFpir', () => {
    for (const faceCount of [1, 100, 1e4]) {
      const thresholds = searchThresholds(calibration, 0.01, faceCount);
      const frontalFar = estimateFar(thresholds.frontal, calibration.far);
      const profileFar = estimateFar(thresholds.profile, calibration.profile?.far ?? []);
      expect(fpirOfFar(frontalFar, faceCount)).toBeCloseTo(0.01, 10);
      expect(fpirOfFar(profileFar, faceCount)).toBeCloseTo(0.01, 10);
    }
    // One face: the pair rate is maxFpir itself, a point of the frontal curve.
    expect(searchThresholds(calibration, 0.01, 1).frontal).toBeCloseTo(0.5, 12);
    // A larger collection needs a higher threshold.
    expect(searchThresholds(calibration, 0.01, 1e4).frontal).toBeGreaterThan(
      searchThresholds(calibration, 0.01, 100).frontal,
    );
  });

  it('searchThresholds: NaN for an uncalibrated embedder', () => {
    expect(searchThresholds({ threshold: Number.NaN, far: [] }, 0.01, 10)).toEqual({
      frontal: Number.NaN,
      profile: Number.NaN,
    });
  });
});
