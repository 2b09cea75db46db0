import { describe, expect, it } from 'vitest';
import { decodeSsd, landmarksFromBox } from '../../../functions/core/detectors/ssd.ts';

describe('decodeSsd', () => {
  it('turns [ymin, xmin, ymax, xmax] in 0–1 into input-pixel boxes, clipping to the input', () => {
    const out = decodeSsd([0.1, 0.2, 0.5, 0.6, -0.1, 0.9, 0.2, 1.2], [0.9, 0.8], 100, 0.5);
    expect(out[0]?.box.x).toBeCloseTo(20);
    expect(out[0]?.box.y).toBeCloseTo(10);
    expect(out[0]?.box.width).toBeCloseTo(40);
    expect(out[0]?.box.height).toBeCloseTo(40);
    expect(out[1]?.box).toEqual({ x: 90, y: 0, width: 10, height: 20 });
    expect(decodeSsd([0, 0, 1, 1], [0.4], 100, 0.5)).toEqual([]);
  });
});

describe('landmarksFromBox', () => {
  it('places an average face in a box (eyes above nose above mouth, left of right)', () => {
    const l = landmarksFromBox({ x: 10, y: 20, width: 100, height: 120 });
    expect(l.leftEye[0]).toBeLessThan(l.rightEye[0]);
    expect(l.leftEye[1]).toBeLessThan(l.nose[1]);
    expect(l.nose[1]).toBeLessThan(l.mouthLeft[1]);
    expect(l.mouthLeft[0]).toBeGreaterThan(10);
    expect(l.mouthRight[0]).toBeLessThan(110);
  });
});
