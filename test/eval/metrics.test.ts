import { describe, expect, it } from 'vitest';
import { estimateFar } from '../../functions/core/compare.ts';
import { parseCfpPairs, parseLfwPairs, parseWider } from '../../scripts/eval/datasets.ts';
import {
  accuracy,
  auc,
  averagePrecision,
  farCurve,
  farCurveWithTail,
  fitThreshold,
  matchImage,
  normalUpperQuantile,
  tarAtFar,
  tarAtFarOf,
} from '../../scripts/eval/metrics.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

const face = (x: number, y: number, size: number, invalid = false) => ({
  box: { x, y, width: size, height: size },
  invalid,
});

describe('matchImage', () => {
  it('counts each face once, ignores small and invalid faces, and calls unmatched detections false', () => {
    const truth = [face(0, 0, 50), face(100, 0, 10), face(200, 0, 50, true)];
    const detections = [
      { box: { x: 0, y: 0, width: 50, height: 50 }, score: 0.9 },
      { box: { x: 1, y: 1, width: 50, height: 50 }, score: 0.8 },
      { box: { x: 100, y: 0, width: 10, height: 10 }, score: 0.7 },
      { box: { x: 200, y: 0, width: 50, height: 50 }, score: 0.6 },
      { box: { x: 500, y: 500, width: 50, height: 50 }, score: 0.5 },
    ];
    const { scored, positives } = matchImage({ truth, detections }, 24);
    expect(positives).toBe(1);
    expect(scored.map((s) => s.truePositive)).toEqual([true, false, false]);
  });
});

describe('averagePrecision', () => {
  it('is 1 for perfect detections and drops with a higher-scored false one', () => {
    const truth = [face(0, 0, 50), face(100, 100, 50)];
    const hits = truth.map((f, i) => ({ box: f.box, score: 0.9 - i * 0.1 }));
    expect(averagePrecision([{ truth, detections: hits }], 10)).toBeCloseTo(1);
    const withFalse = [{ box: { x: 300, y: 300, width: 40, height: 40 }, score: 0.95 }, ...hits];
    expect(averagePrecision([{ truth, detections: withFalse }], 10)).toBeCloseTo(2 / 3); // interpolated: precision 2/3 at both recall steps
  });

  it('counts a missed face against recall', () => {
    const truth = [face(0, 0, 50), face(100, 100, 50)];
    expect(
      averagePrecision([{ truth, detections: [{ box: truth[0]?.box as never, score: 1 }] }], 10),
    ).toBeCloseTo(0.5);
  });
});

describe('dataset parsers', () => {
  it('reads LFW pair lists', () => {
    const pairs = parseLfwPairs('2\nAl_B\t1\t2\nAl_B\t1\tCe_D\t3\n', '/img');
    expect(pairs).toEqual([
      { a: '/img/Al_B/Al_B_0001.jpg', b: '/img/Al_B/Al_B_0002.jpg', same: true },
      { a: '/img/Al_B/Al_B_0001.jpg', b: '/img/Ce_D/Ce_D_0003.jpg', same: false },
    ]);
  });

  it('reads WIDER ground truth, including images written with no face', () => {
    const text =
      'a.jpg\n2\n1 2 30 40 0 0 0 0 0 0\n5 6 7 8 0 0 0 1 0 0\nb.jpg\n0\n0 0 0 0 0 0 0 0 0 0\nc.jpg\n1\n9 9 20 20 0 0 0 0 0 0\n';
    const images = parseWider(text, '/w');
    expect(images.map((i) => i.faces.length)).toEqual([2, 0, 1]);
    expect(images[0]?.faces[1]).toEqual({ box: { x: 5, y: 6, width: 7, height: 8 }, invalid: true });
    expect(images[2]?.file).toBe('/w/c.jpg');
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

describe('farCurve', () => {
  const impostors = Array.from({ length: 10_000 }, (_, i) => i / 10_000);

  it('gives the similarity each share of impostors reaches, down to one pair in the sample', () => {
    const curve = farCurve(impostors, 1);
    expect(curve.map((p) => p.far)).toEqual([1, 0.1, 0.01, 0.001, 0.0001]);
    expect(curve.map((p) => p.similarity)).toEqual([0, 0.9, 0.99, 0.999, 0.9999]);
    for (const { similarity, far } of curve) {
      expect(impostors.filter((s) => s >= similarity).length / impostors.length).toBeCloseTo(far, 12);
    }
  });

  it('round-trips through estimateFar', () => {
    const curve = farCurve(impostors);
    expect(estimateFar(0.99, curve)).toBeCloseTo(0.01, 3);
    expect(estimateFar(0.9995, curve)).toBeLessThan(0.001);
  });

  it('counts every impostor tied with a cut, so the share is never understated', () => {
    const curve = farCurve([0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 1);
    expect(curve).toEqual([
      { similarity: 0.1, far: 1 },
      { similarity: 0.5, far: 0.4 },
    ]);
  });
});

describe('parseCfpPairs', () => {
  it('reads frontal, profile, label and fold, skipping the comment line', () => {
    const text =
      '# CFP frontal-profile\n251/frontal/07.jpg\t251/profile/01.jpg\t1\t6\n251/frontal/01.jpg\t300/profile/02.jpg\t0\t10\n';
    expect(parseCfpPairs(text, '/cfp')).toEqual([
      { a: '/cfp/251/frontal/07.jpg', b: '/cfp/251/profile/01.jpg', same: true, fold: 6 },
      { a: '/cfp/251/frontal/01.jpg', b: '/cfp/300/profile/02.jpg', same: false, fold: 10 },
    ]);
  });

  it('refuses a line without a label or fold', () => {
    expect(() => parseCfpPairs('a.jpg\tb.jpg\t2\t6', '/cfp')).toThrow(/malformed CFP/);
    expect(() => parseCfpPairs('a.jpg\tb.jpg\t1', '/cfp')).toThrow(/malformed CFP/);
  });
});

describe('tarAtFarOf', () => {
  it('agrees with tarAtFar on labelled pairs', () => {
    const impostors = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const genuine = [0.9985, 0.9995, 0.5];
    const labelled = [
      ...impostors.map((similarity) => ({ similarity, same: false })),
      ...genuine.map((similarity) => ({ similarity, same: true })),
    ];
    expect(tarAtFarOf(genuine, Float32Array.from(impostors), 1e-3).tar).toBeCloseTo(2 / 3);
    expect(tarAtFarOf(genuine, impostors, 1e-3)).toEqual(tarAtFar(labelled, 1e-3));
  });
});

describe('auc', () => {
  const pairs = (same: number[], different: number[]) => [
    ...same.map((similarity) => ({ similarity, same: true })),
    ...different.map((similarity) => ({ similarity, same: false })),
  ];

  it('is 1 when every same-person pair outscores every different one, 0.5 when all tie', () => {
    expect(auc(pairs([0.8, 0.9], [0.1, 0.2, 0.3]))).toBe(1);
    expect(auc(pairs([0.5, 0.5], [0.5]))).toBe(0.5);
  });

  it('counts the share of correctly ordered (same, different) pairs', () => {
    // 0.4 beats 0.3 only; 0.9 beats both: 3 of 4 orderings are right.
    expect(auc(pairs([0.4, 0.9], [0.3, 0.6]))).toBe(0.75);
  });
});

describe('normalUpperQuantile', () => {
  it("is the standard normal's upper quantile, far into the tail", () => {
    expect(normalUpperQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalUpperQuantile(0.025)).toBeCloseTo(1.959964, 6);
    expect(normalUpperQuantile(0.975)).toBeCloseTo(-1.959964, 6);
    expect(normalUpperQuantile(1e-4)).toBeCloseTo(3.719016, 6);
    expect(normalUpperQuantile(1e-7)).toBeCloseTo(5.199338, 6);
    expect(() => normalUpperQuantile(0)).toThrow(RangeError);
  });
});

describe('farCurveWithTail', () => {
  const random = seededRandom(11);
  /** 400,000 draws of N(0.3, 0.1²) and of 0.3 + Exp(mean 0.03). */
  const gaussian = Float64Array.from({ length: 400_000 }, () => {
    const u = 1 - random();
    return 0.3 + 0.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
  const exponential = Float64Array.from({ length: 400_000 }, () => 0.3 - 0.03 * Math.log(1 - random()));
  const options = { fitFrom: 1e-2, anchor: 1e-4, rarest: 1e-9 } as const;

  it("keeps the sample's own points down to the anchor and extends them to the rarest rate", () => {
    const curve = farCurveWithTail(gaussian, { ...options, model: 'gaussian' });
    const sample = farCurve(gaussian);
    const head = sample.filter((p) => p.far >= 1e-4 / 10 ** (0.5 / 4));
    expect(curve.slice(0, head.length)).toEqual(head);
    expect(curve[curve.length - 1]?.far).toBeCloseTo(1e-9, 20);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]?.similarity).toBeGreaterThan(curve[i - 1]?.similarity as number);
      expect(curve[i]?.far).toBeLessThan(curve[i - 1]?.far as number);
    }
  });

  it('finds the true tail of a Gaussian and of an exponential sample, far beyond its rarest pair', () => {
    // Where each distribution's true rate is 1e-8, the fitted curve reads it within a factor of 3.
    const gaussianAt = 0.3 + 0.1 * normalUpperQuantile(1e-8);
    const exponentialAt = 0.3 + 0.03 * Math.log(1e8);
    const g = estimateFar(gaussianAt, farCurveWithTail(gaussian, { ...options, model: 'gaussian' }));
    const e = estimateFar(exponentialAt, farCurveWithTail(exponential, { ...options, model: 'exponential' }));
    for (const far of [g, e]) {
      expect(far).toBeGreaterThan(1e-8 / 3);
      expect(far).toBeLessThan(1e-8 * 3);
    }
    // An exponential tail is heavier: on a Gaussian sample it overstates the rare rates tenfold and more.
    const heavier = farCurveWithTail(gaussian, { ...options, model: 'exponential' });
    expect(estimateFar(gaussianAt, heavier)).toBeGreaterThan(1e-8 * 10);
  });

  it('stops at a similarity of 1, the largest a cosine can be', () => {
    const shifted = gaussian.map((x) => x + 0.2);
    expect(shifted.reduce((a, b) => Math.max(a, b))).toBeLessThan(1);
    const curve = farCurveWithTail(shifted, { ...options, model: 'gaussian' });
    expect(curve[curve.length - 1]?.similarity).toBeLessThanOrEqual(1);
    expect(curve[curve.length - 1]?.far).toBeGreaterThan(1e-9);
  });

  it('gives a sample too small to reach the anchor its own curve', () => {
    const few = gaussian.slice(0, 5000);
    expect(farCurveWithTail(few, { ...options, model: 'gaussian' })).toEqual(farCurve(few));
  });
});
