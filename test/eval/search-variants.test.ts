import { describe, expect, it } from 'vitest';
import { fnirAtFpir, rankOneRate, searchSplit } from '../../scripts/eval/identification.ts';
import { meanVector, variantSearch, variantTrials } from '../../scripts/eval/search-variants.ts';

const photo = (name: string, i: number) => `/lfw/${name}/${name}_${String(i).padStart(4, '0')}.jpg`;
/** A unit vector at `degrees` in the plane: the dot product of two is the cosine of their angle. */
const at = (degrees: number) => {
  const r = (degrees * Math.PI) / 180;
  return Float32Array.of(Math.cos(r), Math.sin(r));
};

describe('search variants', () => {
  // H is a "hub": close to every other gallery face. The probe A_0002 lies between H and its mate A.
  const split = {
    gallery: [photo('A', 1), photo('H', 1), photo('B', 1), photo('C', 1)],
    mated: [photo('A', 2)],
    nonMated: [photo('G', 1)],
  };
  const vectors = new Map([
    [photo('A', 1), at(0)],
    [photo('H', 1), at(38)],
    [photo('B', 1), at(60)],
    [photo('C', 1), at(80)],
    [photo('A', 2), at(20)],
    [photo('G', 1), at(-90)],
  ]);

  it('the cosine variant searches as the shipped matcher does', () => {
    const shipped = searchSplit(
      split,
      new Map([...vectors].map(([f, embedding]) => [f, { embedding, pose: 'frontal' as const }])),
      { threshold: Number.NaN, far: [] },
    );
    const cosine = variantSearch(split, vectors, { kind: 'cosine' });
    expect(cosine.map((o) => [o.mated, o.rankOne])).toEqual(shipped.map((o) => [o.mated, o.rankOne]));
    for (const [i, o] of cosine.entries()) expect(o.top).toBeCloseTo(shipped[i]?.top as number, 6);
    // cos 18° to H beats cos 20° to A: the hub wins at rank 1.
    expect(rankOneRate(cosine)).toBe(0);
  });

  it('Z-norm scores each gallery face against the other gallery faces, which demotes the hub', () => {
    const z = variantSearch(split, vectors, { kind: 'znorm', cohort: 2 });
    expect(z[0]?.rankOne).toBe(true);
    // A's two most similar other faces: H (cos 38°) and B (cos 60°).
    const [h, b] = [Math.cos((38 * Math.PI) / 180), Math.cos((60 * Math.PI) / 180)];
    const mu = (h + b) / 2;
    expect(z[0]?.top).toBeCloseTo((Math.cos((20 * Math.PI) / 180) - mu) / Math.abs(h - mu), 5);
  });

  it("T-norm keeps the cosine's ranking and standardises the top by the probe's next scores", () => {
    const t = variantSearch(split, vectors, { kind: 'tnorm', cohort: 2 });
    expect(t.map((o) => o.rankOne)).toEqual([false, false]);
    const [top, second, third] = [18, 20, 40].map((d) => Math.cos((d * Math.PI) / 180)) as number[];
    const mu = ((second as number) + (third as number)) / 2;
    expect(t[0]?.top).toBeCloseTo(((top as number) - mu) / Math.abs((second as number) - mu), 5);
  });

  it('the margin subtracts the best other person; centring subtracts the mean from the probe', () => {
    const margin = variantSearch(split, vectors, { kind: 'margin', lambda: 0.5 });
    const cos = (d: number) => Math.cos((d * Math.PI) / 180);
    expect(margin[0]?.top).toBeCloseTo(cos(18) - 0.5 * cos(20), 6);
    const mean = Float32Array.of(1, 0);
    expect(() => variantSearch(split, vectors, { kind: 'centred', beta: 1 })).toThrow(RangeError);
    const centred = variantSearch(split, vectors, { kind: 'centred', beta: 1 }, mean);
    // Each gallery face loses its own x: A (x = 1) falls most, C (x = cos 80°) least.
    expect(centred[0]?.top).toBeCloseTo(Math.max(...[0, 38, 60, 80].map((d) => cos(20 - d) - cos(d))), 6);
  });

  it('decides a mated probe by its rank-1 mate only, and a search without a face as no match', () => {
    const withoutFace = variantSearch({ ...split, mated: [photo('A', 3)] }, vectors, { kind: 'cosine' });
    expect(withoutFace[0]?.accepted(-1)).toBe(false);
    const found = variantSearch(split, vectors, { kind: 'znorm', cohort: 2 });
    expect(found[0]?.accepted(-10)).toBe(true);
    expect(fnirAtFpir(found, 0.01).fpir).toBe(0);
  });

  it('meanVector averages; variantTrials draws the same seeded splits for every variant', () => {
    expect([...meanVector([Float32Array.of(1, 2), Float32Array.of(3, 6)])]).toEqual([2, 4]);
    const files = ['A', 'B', 'C', 'D'].flatMap((p) => [photo(p, 1), photo(p, 2)]);
    const angle: Record<string, number> = { A: 0, B: 90, C: 180, D: 270 };
    const embeddings = new Map(files.map((f) => [f, at(angle[f.split('/')[2] as string] as number)]));
    const trials = variantTrials(files, embeddings, [{ kind: 'cosine' }, { kind: 'margin', lambda: 0 }], {
      enrolled: 4,
      splits: 3,
    });
    expect(trials).toHaveLength(2);
    for (const { outcomes } of trials) {
      expect(outcomes).toHaveLength(3);
      for (const o of outcomes) expect(rankOneRate(o)).toBe(1);
    }
  });
});
