import { describe, expect, it } from 'vitest';
import { flipHorizontal, l2normalise } from '../../functions/core/embedder.ts';
import { fiveFrom68, landmarkCrop } from '../../functions/core/landmarks.ts';
import type { Point } from '../../functions/core/types.ts';

describe('fiveFrom68', () => {
  it('takes eye centres, the nose tip and the mouth corners of the iBUG layout', () => {
    const points = Array.from({ length: 68 }, (_, i): Point => [i, 2 * i]);
    const five = fiveFrom68(points);
    expect(five.leftEye).toEqual([38.5, 77]);
    expect(five.rightEye).toEqual([44.5, 89]);
    expect(five.nose).toEqual([30, 60]);
    expect(five.mouthLeft).toEqual([48, 96]);
    expect(five.mouthRight).toEqual([54, 108]);
    expect(() => fiveFrom68(points.slice(1))).toThrow(/68/);
  });
});

describe('landmarkCrop', () => {
  it('is a square around the box centre, enlarged', () => {
    expect(landmarkCrop({ x: 10, y: 20, width: 100, height: 50 }, 1.2)).toEqual({ x: 0, y: -15, size: 120 });
  });
});

describe('embedding helpers', () => {
  it('l2normalise gives unit length and keeps direction', () => {
    const v = l2normalise(Float32Array.from([3, 4]));
    expect(v[0]).toBeCloseTo(0.6);
    expect(v[1]).toBeCloseTo(0.8);
  });

  it('flipHorizontal mirrors each row and is its own inverse', () => {
    const image = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(flipHorizontal(image).data)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(flipHorizontal(flipHorizontal(image)).data).toEqual(image.data);
  });
});
