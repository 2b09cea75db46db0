import { describe, expect, it } from 'vitest';
import type { MatchCalibration, MatchFace } from '../../functions/core/match.ts';
import {
  fitSearchWeights,
  fnirAtFpir,
  identificationSplit,
  predictedFpir,
  rankOneRate,
  ratesAt,
  searchCurves,
  searchSplit,
} from '../../scripts/eval/identification.ts';
import { personOf } from '../../scripts/eval/verification.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

const photo = (name: string, i: number) => `/lfw/${name}/${name}_${String(i).padStart(4, '0')}.jpg`;
/** Ten people: A–F with 3 photos each, G–J with one. */
const files = [
  ...['A', 'B', 'C', 'D', 'E', 'F'].flatMap((n) => [1, 2, 3].map((i) => photo(n, i))),
  ...['G', 'H', 'I', 'J'].map((n) => photo(n, 1)),
];

describe('identificationSplit', () => {
  it('enrols people with several photos, one gallery photo each, the rest mated, the others non-mated', () => {
    const split = identificationSplit(files, { enrolled: 4, seed: 1 });
    const enrolled = new Set(split.gallery.map(personOf));
    expect(enrolled.size).toBe(4);
    expect(split.gallery).toHaveLength(4);
    for (const person of enrolled) expect(['A', 'B', 'C', 'D', 'E', 'F']).toContain(person);
    expect(split.mated).toHaveLength(8);
    for (const f of split.mated) expect(enrolled.has(personOf(f))).toBe(true);
    for (const f of split.nonMated) expect(enrolled.has(personOf(f))).toBe(false);
    // Every photo used once.
    expect([...split.gallery, ...split.mated, ...split.nonMated].sort()).toEqual([...files].sort());
  });

  it('is the same for a seed whatever the order of the files, and differs between seeds', () => {
    const a = identificationSplit(files, { enrolled: 3, seed: 7 });
    expect(identificationSplit([...files].reverse(), { enrolled: 3, seed: 7 })).toEqual(a);
    expect(identificationSplit(files, { enrolled: 3, seed: 8 })).not.toEqual(a);
  });

  it('draws at most one mated probe per person and the number of non-mated probes asked', () => {
    const split = identificationSplit(files, { enrolled: 4, seed: 2, mated: 3, nonMated: 5 });
    expect(split.mated).toHaveLength(3);
    expect(new Set(split.mated.map(personOf)).size).toBe(3);
    expect(split.nonMated).toHaveLength(5);
  });

  it('enrols two photos of a person who has a third to search with, one of a person with two', () => {
    const twoEach = [...files, photo('K', 1), photo('K', 2)];
    const split = identificationSplit(twoEach, { enrolled: 7, seed: 4, galleryPhotos: 2 });
    const enrolled = new Set(split.gallery.map(personOf));
    expect(enrolled.size).toBe(7);
    for (const person of enrolled) {
      const count = split.gallery.filter((f) => personOf(f) === person).length;
      expect(count).toBe(person === 'K' ? 1 : 2);
      expect(split.mated.some((f) => personOf(f) === person)).toBe(true);
    }
    expect([...split.gallery, ...split.mated, ...split.nonMated].sort()).toEqual([...twoEach].sort());
  });

  it('refuses to enrol more people than have two photos', () => {
    expect(() => identificationSplit(files, { enrolled: 7, seed: 1 })).toThrow(RangeError);
  });

  it('seededRandom repeats for a seed and stays in [0, 1)', () => {
    const [r1, r2] = [seededRandom(3), seededRandom(3)];
    const draws = Array.from({ length: 100 }, () => r1());
    expect(draws).toEqual(Array.from({ length: 100 }, () => r2()));
    for (const x of draws) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe('searchSplit and its rates', () => {
  const calibration: MatchCalibration = {
    threshold: 0.8,
    far: [
      { similarity: 0, far: 1 },
      { similarity: 0.8, far: 1e-3 },
      { similarity: 1, far: 1e-7 },
    ],
  };
  /** A unit vector at `degrees` in the plane: the cosine of two is the cosine of their angle. */
  const at = (degrees: number): MatchFace => {
    const r = (degrees * Math.PI) / 180;
    return { embedding: Float32Array.of(Math.cos(r), Math.sin(r)), pose: 'frontal' };
  };
  const split = {
    gallery: [photo('A', 1), photo('B', 1)],
    mated: [photo('A', 2), photo('B', 2), photo('A', 3)],
    nonMated: [photo('G', 1), photo('H', 1)],
  };
  const faces = new Map<string, MatchFace>([
    [photo('A', 1), at(0)],
    [photo('B', 1), at(90)],
    [photo('A', 2), at(10)], // cos 0.985 to A: found
    [photo('B', 2), at(50)], // cos 0.766 to B, 0.643 to A: rank 1, below 0.8
    [photo('G', 1), at(30)], // cos 0.866 to A: a false match at 0.8
    [photo('H', 1), at(-60)], // cos 0.5 to A
    // A_0003 has no face: a miss.
  ]);
  const outcomes = searchSplit(split, faces, calibration);

  it('ranks with the matcher: rank 1 of mated probes, a probe without a face missing', () => {
    expect(outcomes.map((o) => [o.mated, o.rankOne])).toEqual([
      [true, true],
      [true, true],
      [true, false],
      [false, false],
      [false, false],
    ]);
    expect(rankOneRate(outcomes)).toBeCloseTo(2 / 3, 12);
  });

  it('counts a mated probe found at the calibrated threshold, and a non-mated one matching anyone', () => {
    expect(ratesAt(outcomes, 0.8)).toEqual({ fnir: 2 / 3, fpir: 1 / 2 });
    expect(ratesAt(outcomes, 0.7)).toEqual({ fnir: 1 / 3, fpir: 1 / 2 });
    expect(ratesAt(outcomes, { frontal: 0.9, profile: 0 })).toEqual({ fnir: 2 / 3, fpir: 0 });
  });

  it('fnirAtFpir: the lowest threshold above the non-mated tops it allows', () => {
    const none = fnirAtFpir(outcomes, 0.01);
    expect(none.threshold).toBeCloseTo(Math.cos(Math.PI / 6), 6);
    expect(none.fpir).toBe(0);
    expect(none.fnir).toBeCloseTo(2 / 3, 12);
    expect(fnirAtFpir(outcomes, 0.5).fpir).toBe(0.5);
  });

  it('predictedFpir is 1 − (1 − far(t))^N on the frontal curve', () => {
    expect(predictedFpir(calibration, 0.8, 1)).toBeCloseTo(1e-3, 12);
    expect(predictedFpir(calibration, 0.8, 300)).toBeCloseTo(1 - (1 - 1e-3) ** 300, 12);
  });
});

describe("search's fit on training people", () => {
  /** A unit vector at `degrees` in the plane. */
  const at = (degrees: number) => {
    const r = (degrees * Math.PI) / 180;
    return Float32Array.of(Math.cos(r), Math.sin(r));
  };

  it('searchCurves counts the cross-person pairs within each set of images, none across them', () => {
    const lfw = [photo('A', 1), photo('B', 1), photo('C', 1)];
    // The same person filed under another name in the second set: that pair must not count.
    const other = ['/cfp/1/frontal/01.jpg', '/cfp/2/frontal/01.jpg'];
    const embeddings = new Map([
      [lfw[0] as string, at(0)],
      [lfw[1] as string, at(60)],
      [lfw[2] as string, at(120)],
      [other[0] as string, at(0)],
      [other[1] as string, at(90)],
    ]);
    const curves = searchCurves([lfw, other], embeddings, new Set());
    expect(curves.pairs).toEqual({ frontal: 4, profile: 0 });
    expect(curves.profile).toEqual([]);
    // The top impostors are A–B and B–C at cos 60° = 0.5 (2 of 4), not the identical pair across the sets.
    const last = curves.frontal[curves.frontal.length - 1];
    expect(last?.similarity).toBeCloseTo(0.5, 6);
    expect(last?.far).toBe(2 / 4);
  });

  it('fitSearchWeights keeps the weighting that misses fewest mated probes at FPIR 1 %', () => {
    // The first embedder confuses A and B; the second tells them apart: weight on the second wins.
    const people = ['A', 'B', 'C', 'D'];
    const files = people.flatMap((p) => [photo(p, 1), photo(p, 2)]);
    const angle: Record<string, number> = { A: 0, B: 5, C: 90, D: 180 };
    const first = new Map(files.map((f) => [f, at(angle[personOf(f)] as number)]));
    const second = new Map(files.map((f, i) => [f, at(45 * Math.floor(i / 2))]));
    const { best, trials } = fitSearchWeights([first, second], new Set(), files, {
      enrolled: 4,
      splits: 2,
      step: 0.25,
    });
    expect(trials.map((t) => t.weights)).toEqual([
      [0.25, 0.75],
      [0.5, 0.5],
      [0.75, 0.25],
    ]);
    expect(best.weights).toEqual([0.25, 0.75]);
    expect(best.rankOne).toBe(1);
  });
});
