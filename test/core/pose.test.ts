import { describe, expect, it } from 'vitest';
import { frontality, isProfile, PROFILE_BELOW } from '../../functions/core/pose.ts';
import type { Landmarks } from '../../functions/core/types.ts';

/** A face whose eyes are `eyes` apart, with the mouth `down` below them. */
function face(eyes: number, down: number): Landmarks {
  return {
    leftEye: [100 - eyes / 2, 100],
    rightEye: [100 + eyes / 2, 100],
    nose: [100, 100 + down / 2],
    mouthLeft: [100 - eyes / 3, 100 + down],
    mouthRight: [100 + eyes / 3, 100 + down],
  };
}

describe('frontality', () => {
  it('is the eye distance over the eyes-to-mouth distance, whatever the size or tilt', () => {
    expect(frontality(face(40, 40))).toBeCloseTo(1, 12);
    expect(frontality(face(20, 40))).toBeCloseTo(0.5, 12);
    const big = face(400, 400);
    expect(frontality(big)).toBeCloseTo(1, 12);
    const turn = (p: [number, number]): [number, number] => [-p[1], p[0]];
    const quarterTurned = Object.fromEntries(
      Object.entries(face(20, 40)).map(([k, p]) => [k, turn(p)]),
    ) as unknown as Landmarks;
    expect(frontality(quarterTurned)).toBeCloseTo(0.5, 12);
  });

  it('tells a profile from a frontal face at PROFILE_BELOW', () => {
    expect(isProfile(face(40, 40))).toBe(false);
    expect(isProfile(face(20, 40))).toBe(true);
    expect(isProfile(face(PROFILE_BELOW * 40, 40))).toBe(false);
    expect(isProfile(face(PROFILE_BELOW * 40 - 0.01, 40))).toBe(true);
  });

  it('does not divide by zero when the landmarks coincide', () => {
    expect(Number.isFinite(frontality(face(0, 0)))).toBe(true);
  });
});
