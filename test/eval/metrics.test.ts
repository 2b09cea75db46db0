import { describe, expect, it } from 'vitest';
import { parseLfwPairs, parseWider } from '../../scripts/eval/datasets.ts';
import { averagePrecision, matchImage } from '../../scripts/eval/metrics.ts';

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
