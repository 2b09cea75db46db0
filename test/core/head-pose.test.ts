import { describe, expect, it } from 'vitest';
import {
  facePose,
  type HeadPose,
  headPose,
  headPoseOfFive,
  MEAN_FACE_5,
  MEAN_FACE_68,
  projectFace,
} from '../../functions/core/head-pose.ts';
import { frontality } from '../../functions/core/pose.ts';
import { LANDMARK_NAMES, type Landmarks, type Point } from '../../functions/core/types.ts';

/** A seeded generator, so the noisy cases are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const mid = (p: readonly Point[], a: number, b: number) => [
  ((p[a] as Point)[0] + (p[b] as Point)[0]) / 2,
  ((p[a] as Point)[1] + (p[b] as Point)[1]) / 2,
];

describe('headPose', () => {
  it('recovers the angles of the generic face projected at known poses', () => {
    const poses: HeadPose[] = [];
    for (const yaw of [-75, -45, -20, 0, 15, 40, 70])
      for (const pitch of [-25, 0, 20]) for (const roll of [-30, 0, 10]) poses.push({ yaw, pitch, roll });
    for (const pose of poses) {
      const fitted = headPose(projectFace(pose, 1.7, [320, 240]));
      expect(Math.abs(fitted.yaw - pose.yaw), JSON.stringify({ pose, fitted })).toBeLessThanOrEqual(0.1);
      expect(Math.abs(fitted.pitch - pose.pitch), JSON.stringify({ pose, fitted })).toBeLessThanOrEqual(0.1);
      expect(Math.abs(fitted.roll - pose.roll), JSON.stringify({ pose, fitted })).toBeLessThanOrEqual(0.1);
    }
  });

  it('does not depend on the face size or position in the photo', () => {
    const pose = { yaw: 30, pitch: -10, roll: 5 };
    expect(headPose(projectFace(pose, 0.4, [20, 30]))).toEqual(headPose(projectFace(pose, 9, [2000, 900])));
  });

  it('stays within a few degrees when every point is off by up to 4 % of the eye distance', () => {
    const next = random(23);
    for (const pose of [
      { yaw: 0, pitch: 0, roll: 0 },
      { yaw: 35, pitch: 10, roll: -8 },
      { yaw: -60, pitch: -5, roll: 12 },
    ]) {
      const scale = 1.2; // 90 mm between the outer eye corners: about 108 px
      const noisy = projectFace(pose, scale, [200, 200]).map(
        ([x, y]): Point => [x + (next() - 0.5) * 8, y + (next() - 0.5) * 8],
      );
      const fitted = headPose(noisy);
      expect(Math.abs(fitted.yaw - pose.yaw)).toBeLessThan(4);
      expect(Math.abs(fitted.pitch - pose.pitch)).toBeLessThan(5);
      expect(Math.abs(fitted.roll - pose.roll)).toBeLessThan(3);
    }
  });

  it('follows the documented signs: yaw > 0 turns the nose to the photo’s left, pitch > 0 up, roll > 0 clockwise', () => {
    const frontal = projectFace({ yaw: 0, pitch: 0, roll: 0 }, 2, [0, 0]);
    const eyes = (p: Point[]) => mid(p, 36, 45);
    const turnedLeft = projectFace({ yaw: 30, pitch: 0, roll: 0 }, 2, [0, 0]);
    expect((turnedLeft[30] as Point)[0]).toBeLessThan((eyes(turnedLeft)[0] as number) - 10);
    expect((frontal[30] as Point)[0]).toBeCloseTo(eyes(frontal)[0] as number, 9);
    const up = projectFace({ yaw: 0, pitch: 20, roll: 0 }, 2, [0, 0]);
    // The nose tip rises towards the eyes (y grows downwards in the photo).
    const noseBelowEyes = (p: Point[]) => (p[30] as Point)[1] - (eyes(p)[1] as number);
    expect(noseBelowEyes(up)).toBeLessThan(noseBelowEyes(frontal) - 10);
    const clockwise = projectFace({ yaw: 0, pitch: 0, roll: 15 }, 2, [0, 0]);
    expect((clockwise[45] as Point)[1]).toBeGreaterThan((clockwise[36] as Point)[1] + 10);
    expect(headPose(turnedLeft).yaw).toBeCloseTo(30, 1);
    expect(headPose(up).pitch).toBeCloseTo(20, 1);
    expect(headPose(clockwise).roll).toBeCloseTo(15, 1);
  });

  it('gives a mirrored face the opposite yaw and roll', () => {
    const pose = { yaw: 40, pitch: 10, roll: 12 };
    const points = projectFace(pose, 2, [100, 100]);
    // Mirroring the photo swaps the two halves of the iBUG layout.
    const mirrorIndex = (i: number) => {
      const pairs: [number, number][] = [
        [0, 16],
        [17, 26],
        [36, 45],
        [31, 35],
        [48, 54],
        [60, 64],
        [65, 67],
        [55, 59],
        [39, 42],
        [37, 44],
        [38, 43],
        [40, 47],
        [41, 46],
        [49, 53],
        [50, 52],
        [56, 58],
        [61, 63],
        [32, 34],
      ];
      for (let k = 1; k < 8; k++) pairs.push([k, 16 - k]);
      for (let k = 1; k < 5; k++) pairs.push([17 + k, 26 - k]);
      for (const [a, b] of pairs)
        if (i === a) return b;
        else if (i === b) return a;
      return i;
    };
    const mirrored = points.map((_, i) => {
      const [x, y] = points[mirrorIndex(i)] as Point;
      return [-x, y] as Point;
    });
    const fitted = headPose(mirrored);
    expect(fitted.yaw).toBeCloseTo(-pose.yaw, 0);
    expect(fitted.pitch).toBeCloseTo(pose.pitch, 0);
    expect(fitted.roll).toBeCloseTo(-pose.roll, 0);
  });

  it('asks for the 68 points', () => {
    expect(() => headPose([[0, 0]])).toThrow(RangeError);
    expect(MEAN_FACE_68).toHaveLength(68);
  });
});

/** The five-point face projected at a pose, as a detector's landmarks. */
const fiveAt = (pose: HeadPose, scale = 2, centre: Point = [300, 200]): Landmarks =>
  Object.fromEntries(
    projectFace(pose, scale, centre, MEAN_FACE_5).map((p, i) => [LANDMARK_NAMES[i], p]),
  ) as unknown as Landmarks;

describe('headPoseOfFive and facePose', () => {
  it('recovers the yaw and roll of the five-point face projected at known poses', () => {
    for (const pose of [
      { yaw: 0, pitch: 0, roll: 0 },
      { yaw: 35, pitch: 0, roll: 10 },
      { yaw: -60, pitch: 0, roll: -5 },
      { yaw: 75, pitch: 0, roll: 0 },
    ]) {
      const fitted = headPoseOfFive(fiveAt(pose));
      expect(Math.abs(fitted.yaw - pose.yaw)).toBeLessThan(1);
      expect(Math.abs(fitted.roll - pose.roll)).toBeLessThan(1);
    }
  });

  it("has the detector's frontal proportions: eye distance over eye-to-mouth height 0.99", () => {
    // RetinaFace's median on CFP folds 6–8's frontal photos is 0.990; the 68 points' lip corners give 0.93.
    expect(frontality(fiveAt({ yaw: 0, pitch: 0, roll: 0 }))).toBeCloseTo(0.99, 2);
  });

  it("takes a profile's larger yaw of the two fits, with the 68 points' sign; a frontal face's from the 68 points", () => {
    const turned = { yaw: -70, pitch: 0, roll: 0 };
    // 68 points squeezed towards a half-turned face, as face-api's model marks a profile.
    const squeezed = projectFace({ yaw: -40, pitch: 5, roll: 2 }, 2, [300, 200]);
    const profile = facePose(squeezed, fiveAt(turned));
    expect(profile.yaw).toBeCloseTo(headPoseOfFive(fiveAt(turned)).yaw, 5);
    expect(profile.pitch).toBeCloseTo(5, 0);
    const frontal = { yaw: 15, pitch: 0, roll: 0 };
    const points = projectFace(frontal, 2, [300, 200]);
    expect(facePose(points, fiveAt(frontal))).toEqual(headPose(points));
    expect(facePose(undefined, fiveAt(frontal))).toEqual(headPoseOfFive(fiveAt(frontal)));
  });
});
