import { describe, expect, it } from 'vitest';
import { describeQuality, poorFacesNote } from '../../functions/core/quality-words.ts';
import type { Face } from '../../functions/core/types.ts';

const face = (over: Partial<Face> = {}): Face => ({
  box: { x: 0, y: 0, width: 120, height: 120 },
  score: 0.99,
  landmarks: {
    leftEye: [40, 50],
    rightEye: [80, 50],
    nose: [60, 70],
    mouthLeft: [45, 90],
    mouthRight: [75, 90],
  },
  headPose: { yaw: 5, pitch: 0, roll: 0 },
  quality: { sharpness: 50, brightness: 50, score: 0.95 },
  ...over,
});

describe('a poor face in words', () => {
  it('names what makes it poor, most telling first', () => {
    expect(describeQuality(face({ headPose: { yaw: -70, pitch: 0, roll: 0 } }))).toBe('turned aside');
    expect(
      describeQuality(
        face({
          headPose: { yaw: 60, pitch: 0, roll: 0 },
          quality: { sharpness: 5, brightness: 10, score: 0.1 },
        }),
      ),
    ).toBe('turned aside, blurred and dark');
    expect(describeQuality(face({ quality: { sharpness: 50, brightness: 95, score: 0.4 } }))).toBe(
      'overexposed',
    );
    expect(describeQuality(face({ box: { x: 0, y: 0, width: 24, height: 24 } }))).toBe('small');
    expect(describeQuality(face())).toBe('hard to read');
  });

  it('says nothing when both faces are fine, and which photo otherwise', () => {
    const pair = { source: face(), target: face({ quality: { sharpness: 3, brightness: 50, score: 0.2 } }) };
    expect(poorFacesNote({ ...pair, poorFaces: [] })).toBeUndefined();
    expect(poorFacesNote({ ...pair, poorFaces: ['target'] })).toBe(
      "The second photo's face is blurred: the verdict is less reliable.",
    );
    expect(poorFacesNote({ ...pair, poorFaces: ['source', 'target'] })).toBe(
      "The first photo's face is hard to read and the second photo's face is blurred: the verdict is less reliable.",
    );
  });
});
