import { describe, expect, it } from 'vitest';
import {
  FILTER_LIMITS,
  QUALITY_FILTERS,
  type QualityFilter,
  refusal,
} from '../../functions/collections/quality-filter.ts';
import type { EnrolmentCuts } from '../../functions/core/face-quality.ts';
import type { Face } from '../../functions/core/types.ts';

const cuts: EnrolmentCuts = { auto: 0.9, low: 0.8, medium: 0.95, high: 0.98 };

const face = ({
  side = 120,
  yaw = 0,
  pitch = 0,
  score = 0.99,
}: {
  side?: number;
  yaw?: number;
  pitch?: number;
  score?: number;
} = {}): Pick<Face, 'box' | 'headPose' | 'quality'> => ({
  box: { x: 10, y: 10, width: side, height: side * 1.2 },
  headPose: { yaw, pitch, roll: 0 },
  quality: { sharpness: 50, brightness: 50, score },
});

describe('enrolment quality filter', () => {
  it('lets a large, frontal, well-scored face through every filter', () => {
    for (const filter of QUALITY_FILTERS) expect(refusal(face(), filter, cuts)).toBeUndefined();
  });

  it('refuses below each level its own cut of the score, and never with none', () => {
    const at = (score: number, filter: QualityFilter) => refusal(face({ score }), filter, cuts);
    expect(at(0.85, 'low')).toBeUndefined();
    expect(at(0.85, 'auto')).toBe('LowQuality');
    expect(at(0.93, 'auto')).toBeUndefined();
    expect(at(0.93, 'medium')).toBe('LowQuality');
    expect(at(0.97, 'medium')).toBeUndefined();
    expect(at(0.97, 'high')).toBe('LowQuality');
    expect(at(0.79, 'low')).toBe('LowQuality');
    expect(at(0.01, 'none')).toBeUndefined();
  });

  it('refuses a face turned past the yaw or pitch limit, either way, as ExtremePose', () => {
    const { maxYaw, maxPitch } = FILTER_LIMITS;
    expect(refusal(face({ yaw: maxYaw }), 'auto', cuts)).toBeUndefined();
    expect(refusal(face({ yaw: maxYaw + 0.1 }), 'low', cuts)).toBe('ExtremePose');
    expect(refusal(face({ yaw: -(maxYaw + 0.1) }), 'low', cuts)).toBe('ExtremePose');
    expect(refusal(face({ pitch: -(maxPitch + 1) }), 'auto', cuts)).toBe('ExtremePose');
    expect(refusal(face({ yaw: 80 }), 'none', cuts)).toBeUndefined();
  });

  it('refuses a box under the size limit on its shorter side as TooSmall', () => {
    const { minFaceSide } = FILTER_LIMITS;
    expect(refusal(face({ side: minFaceSide }), 'auto', cuts)).toBeUndefined();
    expect(refusal(face({ side: minFaceSide - 1 }), 'auto', cuts)).toBe('TooSmall');
    expect(
      refusal({ ...face(), box: { x: 0, y: 0, width: 200, height: minFaceSide - 1 } }, 'auto', cuts),
    ).toBe('TooSmall');
  });

  it('names the first reason that applies: TooSmall, then ExtremePose, then LowQuality', () => {
    expect(refusal(face({ side: 20, yaw: 80, score: 0.1 }), 'auto', cuts)).toBe('TooSmall');
    expect(refusal(face({ yaw: 80, score: 0.1 }), 'auto', cuts)).toBe('ExtremePose');
    expect(refusal(face({ score: 0.1 }), 'auto', cuts)).toBe('LowQuality');
  });

  it('applies no score cut without a fitted model (a NaN score, no cuts)', () => {
    expect(refusal(face({ score: Number.NaN }), 'high', cuts)).toBeUndefined();
    expect(refusal(face({ score: 0.1 }), 'high', undefined)).toBeUndefined();
    expect(refusal(face({ yaw: 80 }), 'auto', undefined)).toBe('ExtremePose');
  });
});
