import { describe, expect, it } from 'vitest';
import {
  anchorCentres,
  decodeAnchors,
  landmarksFromKeypoints,
} from '../../../functions/core/detectors/blazeface.ts';
import type { Point } from '../../../functions/core/types.ts';

describe('anchorCentres', () => {
  it('lays anchors row-major, perCell repeats, layer by layer', () => {
    const a = anchorCentres(64, [
      { stride: 32, perCell: 2 },
      { stride: 64, perCell: 1 },
    ]);
    expect(a).toEqual([
      [16, 16],
      [16, 16],
      [48, 16],
      [48, 16],
      [16, 48],
      [16, 48],
      [48, 48],
      [48, 48],
      [32, 32],
    ]);
  });

  it('matches BlazeFace back (896 anchors) and full-range (2304 anchors)', () => {
    expect(
      anchorCentres(256, [
        { stride: 16, perCell: 2 },
        { stride: 32, perCell: 6 },
      ]),
    ).toHaveLength(896);
    expect(anchorCentres(192, [{ stride: 4, perCell: 1 }])).toHaveLength(2304);
  });
});

describe('decodeAnchors', () => {
  const anchors: Point[] = [
    [10, 10],
    [50, 50],
  ];
  const regressors = new Float32Array(32);
  // anchor 1: centre offset (+2, -4), 20 × 30 box, keypoints offset by k.
  regressors.set([2, -4, 20, 30, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], 16);

  it('keeps anchors whose sigmoid(logit) reaches minScore and decodes box and keypoints', () => {
    const out = decodeAnchors([-5, 2], regressors, anchors, 0.5);
    expect(out).toHaveLength(1);
    const [c] = out;
    expect(c?.box).toEqual({ x: 42, y: 31, width: 20, height: 30 });
    expect(c?.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(c?.points?.[0]).toEqual([51, 51]);
    expect(c?.points?.[5]).toEqual([56, 56]);
  });

  it('uses the score threshold exactly', () => {
    const logit = Math.log(0.7 / 0.3);
    expect(decodeAnchors([logit, logit], regressors, anchors, 0.7)).toHaveLength(2);
    expect(decodeAnchors([logit - 1e-6, -9], regressors, anchors, 0.7)).toHaveLength(0);
  });
});

describe('landmarksFromKeypoints', () => {
  it('places mouth corners across the mouth centre along the eye line', () => {
    const l = landmarksFromKeypoints([
      [40, 50],
      [80, 50],
      [60, 70],
      [60, 90],
      [20, 60],
      [100, 60],
    ]);
    expect(l.leftEye).toEqual([40, 50]);
    expect(l.nose).toEqual([60, 70]);
    expect(l.mouthLeft[0]).toBeCloseTo(60 - 0.414 * 40);
    expect(l.mouthRight[0]).toBeCloseTo(60 + 0.414 * 40);
    expect(l.mouthLeft[1]).toBe(90);
  });
});
