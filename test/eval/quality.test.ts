import { describe, expect, it } from 'vitest';
import { similarityAtFar } from '../../functions/core/compare.ts';
import { qualityScore } from '../../functions/core/face-quality.ts';
import { ercSvg } from '../../scripts/eval/erc-plot.ts';
import {
  bestRejectShare,
  errorVersusReject,
  fitQuality,
  poorCut,
  type TrainingPair,
} from '../../scripts/eval/quality.ts';
import { qualitySignals } from '../core/fixtures.ts';

describe('error versus reject', () => {
  it('counts the false non-matches the lowest-quality pairs take with them, and the best possible', () => {
    const comparisons = [
      { similarity: 0.5, threshold: 0.9, quality: 0.1 }, // a miss, rejected first
      { similarity: 0.95, threshold: 0.9, quality: 0.2 },
      { similarity: 0.8, threshold: 0.9, quality: 0.9 }, // a miss the score keeps
      ...Array.from({ length: 7 }, () => ({ similarity: 0.99, threshold: 0.9, quality: 0.5 })),
    ];
    const [none, tenth, fifth] = errorVersusReject(comparisons, [0, 0.1, 0.2]);
    expect(none).toMatchObject({ fnmr: 0.2, removed: 0, oracleRemoved: 0 });
    expect(tenth).toMatchObject({ removed: 0.5, oracleRemoved: 0.5 });
    expect(tenth?.fnmr).toBeCloseTo(1 / 9, 12);
    expect(fifth).toMatchObject({ removed: 0.5, oracleRemoved: 1, oracleFnmr: 0 });
    expect(fifth?.fnmr).toBeCloseTo(1 / 8, 12);
  });
});

describe('similarityAtFar', () => {
  it('reads the curve log-linearly between its points', () => {
    const curve = [
      { similarity: 0.5, far: 1 },
      { similarity: 0.8, far: 1e-2 },
      { similarity: 0.9, far: 1e-4 },
    ];
    expect(similarityAtFar(1e-2, curve)).toBeCloseTo(0.8, 12);
    expect(similarityAtFar(1e-3, curve)).toBeCloseTo(0.85, 12);
    expect(similarityAtFar(1, curve)).toBe(0.5);
  });
});

describe('fitQuality', () => {
  it('learns which signal predicts failures, ranking by the worse face of a pair', () => {
    // Pairs fail when either face is turned past 50°; detail is noise.
    const pairs: TrainingPair[] = [];
    for (let i = 0; i < 200; i++) {
      const a = qualitySignals((i * 37) % 90, (i * 13) % 7);
      const b = qualitySignals((i * 53) % 90, (i * 29) % 7);
      pairs.push({ a, b, failed: [a.yaw > 50 || b.yaw > 50] });
    }
    const model = fitQuality(pairs, ['yaw', 'detail']);
    expect(model.weights[0]).toBeGreaterThan(1);
    expect(Math.abs(model.weights[1] as number)).toBeLessThan(0.5);
    expect(qualityScore(qualitySignals(80, 3), model)).toBeLessThan(
      qualityScore(qualitySignals(10, 3), model),
    );
    const cut = poorCut(model, pairs, 0.1);
    const worse = pairs.map((p) => Math.min(qualityScore(p.a, model), qualityScore(p.b, model)));
    expect(worse.filter((q) => q < cut).length).toBe(20);
  });
});

describe('fitQuality with an embedding signal some faces lack', () => {
  it('standardises on the faces that have it and learns it', () => {
    // Pairs fail when either face's embedding is short; every fifth face has no alignment signal.
    const pairs: TrainingPair[] = [];
    const face = (i: number) => ({
      ...qualitySignals(20, 6),
      'mobilefacenet:norm': 3 + ((i * 7) % 11) / 5,
      ...(i % 5 ? { 'mobilefacenet:alignment': 4 } : {}),
    });
    for (let i = 0; i < 200; i++) {
      const [a, b] = [face(2 * i), face(2 * i + 1)];
      pairs.push({ a, b, failed: [a['mobilefacenet:norm'] < 3.6 || b['mobilefacenet:norm'] < 3.6] });
    }
    const model = fitQuality(pairs, ['mobilefacenet:norm', 'mobilefacenet:alignment']);
    expect(model.mean[1]).toBe(4);
    expect(model.scale[1]).toBe(1);
    expect(model.weights[0]).toBeLessThan(-1);
    expect(Number.isFinite(model.bias)).toBe(true);
  });
});

describe('ercSvg', () => {
  it('draws each curve with its legend in a standalone SVG', () => {
    const svg = ercSvg('ERC', [
      {
        label: 'LFW <test>',
        colour: '#123456',
        points: [
          [0, 0.02],
          [0.1, 0.01],
        ],
      },
      {
        label: 'best',
        colour: '#123456',
        dashed: true,
        points: [
          [0, 0.02],
          [0.1, 0],
        ],
      },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('LFW &lt;test&gt;');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('<title>ERC</title>');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('bestRejectShare', () => {
  it('picks the share whose rejection removes most false non-matches beyond a random rejection', () => {
    // 100 pairs; the 4 misses have qualities 0, 1, 2 and 60: rejecting 3 % removes 3 of 4 (75 % − 3 %).
    const comparisons = Array.from({ length: 100 }, (_, i) => ({
      similarity: [0, 1, 2, 60].includes(i) ? 0.1 : 0.9,
      threshold: 0.5,
      quality: i,
    }));
    expect(bestRejectShare(comparisons, [0.01, 0.02, 0.03, 0.04, 0.1, 0.5])).toBe(0.03);
    // Rejecting past the last low miss only loses, down to the random rate at 61 %.
    expect(bestRejectShare(comparisons, [0.5, 0.61, 0.02])).toBe(0.02);
  });
});
