/**
 * Enrolment's quality filter: which faces are too poor to enrol, and why. A poor face enrolled makes
 * every later search for that person less reliable, so, as Rekognition's IndexFaces does, enrolment
 * refuses it unless asked not to. Pure: it reads the box, head pose and quality score the engine gives
 * every face, and the cuts fitted into the quality model (quality.json).
 */
import type { EnrolmentCuts } from '../core/face-quality.ts';
import type { Face, FaceQuality } from '../core/types.ts';

export const QUALITY_FILTERS = ['none', 'auto', 'low', 'medium', 'high'] as const;
export type QualityFilter = (typeof QUALITY_FILTERS)[number];
export const DEFAULT_QUALITY_FILTER: QualityFilter = 'auto';

export function isQualityFilter(value: unknown): value is QualityFilter {
  return QUALITY_FILTERS.includes(value as QualityFilter);
}

/** Why a face was refused, checked in this order: the first that applies is named. */
export const REFUSAL_REASONS = ['TooSmall', 'ExtremePose', 'LowQuality'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * The fixed limits of every filter but `none`.
 * - A face's box under 40 px on its shorter side: shrunk LFW training faces fail as often as full-size
 *   ones from 40 px up and more often below (false non-matches 0.7 % at ≥ 40 px, 1.3 % at 32, 1.7 % at
 *   24, 24 % at 16: `npm run eval -- --face-size`). Its landmarks, hence its pose and score, are
 *   unreliable too, which is why this is checked first.
 * - |yaw| over 60° or |pitch| over 40°: on the training photos 55 % of CFP's profiles (folds 6–8) turn
 *   further than 60° and 0.2 % of LFW View 1 DevTrain's photos; no LFW photo pitches beyond 40°. A
 *   face turned that far matches its own frontal photos poorly. Tighter limits (45° / 30°) refused
 *   2.2 % of LFW's ordinary photos, turned heads whose quality score is high (0.93–0.99): profiles
 *   turned less are left to the score's cut.
 */
export const FILTER_LIMITS = { minFaceSide: 40, maxYaw: 60, maxPitch: 40 } as const;

/** The face's refusal under the filter, or undefined when it may be enrolled. */
export function refusal(
  face: Pick<Face, 'box' | 'headPose'> & { quality?: Pick<FaceQuality, 'score'> },
  filter: QualityFilter,
  cuts: EnrolmentCuts | undefined,
): RefusalReason | undefined {
  if (filter === 'none') return undefined;
  if (Math.min(face.box.width, face.box.height) < FILTER_LIMITS.minFaceSide) return 'TooSmall';
  const pose = face.headPose;
  if (pose && (Math.abs(pose.yaw) > FILTER_LIMITS.maxYaw || Math.abs(pose.pitch) > FILTER_LIMITS.maxPitch)) {
    return 'ExtremePose';
  }
  // Without a fitted model the score is NaN and no cut applies.
  const score = face.quality?.score;
  if (cuts && score !== undefined && score < cuts[filter]) return 'LowQuality';
  return undefined;
}
