/**
 * One face against many, the one matcher behind verify (one target, or every target face), search in
 * a collection (1:N) and the evaluation: each similarity decided at the threshold of its pair's pose
 * and given the false-accept rate of that pose's curve. For 1:N, the threshold that holds the chance
 * of a false identification (FPIR) at a collection's size, and the FPIR of a score.
 */
import { cosineSimilarity, estimateFar, type FarPoint, isMatch, similarityAtFar } from './compare.ts';
import type { Calibration } from './manifest.ts';
import type { Pose } from './types.ts';

/** What the matcher reads of an embedder's calibration (NaN and no curve when uncalibrated). */
export type MatchCalibration = Pick<Calibration, 'threshold' | 'far' | 'profile'>;

/** The threshold and false-accept curve one pose of pair is decided on. */
export interface PoseCalibration {
  pose: Pose;
  threshold: number;
  far: FarPoint[];
}

/** The pose rule: a pair is in profile when either face is (same-person pairs across poses score lower). */
export function pairPose(a: Pose, b: Pose): Pose {
  return a === 'profile' || b === 'profile' ? 'profile' : 'frontal';
}

/** A pair's calibration: the profile one for a pair in profile, the frontal one otherwise or when none is calibrated. */
export function pairCalibration(calibration: MatchCalibration, a: Pose, b: Pose): PoseCalibration {
  const { profile } = calibration;
  return profile && pairPose(a, b) === 'profile'
    ? { pose: 'profile', ...profile }
    : { pose: 'frontal', threshold: calibration.threshold, far: calibration.far };
}

/** A face to match: its unit embedding and its own pose. */
export interface MatchFace {
  embedding: Float32Array;
  pose: Pose;
}

/**
 * The threshold to decide at: one for every pair (a caller's), or one per pose of pair (a search's,
 * searchThresholds); by default the calibrated ones.
 */
export type ThresholdChoice = number | Record<Pose, number>;

/** One candidate's verdict, exact (answers round). */
export interface MatchDecision {
  /** The candidate's position in the list given. */
  index: number;
  similarity: number;
  /** The pair's pose, whose threshold and curve decided it. */
  pose: Pose;
  threshold: number;
  match: boolean;
  /** The estimated false-accept rate of the similarity (estimateFar); NaN when uncalibrated. */
  far: number;
}

/** A similarity already measured (e.g. by a store's search), decided for its pair of poses. */
export function decide(
  calibration: MatchCalibration,
  similarity: number,
  poses: readonly [probe: Pose, candidate: Pose],
  threshold?: ThresholdChoice,
): Omit<MatchDecision, 'index'> {
  const paired = pairCalibration(calibration, poses[0], poses[1]);
  const applied =
    threshold === undefined
      ? paired.threshold
      : typeof threshold === 'number'
        ? threshold
        : threshold[paired.pose];
  return {
    similarity,
    pose: paired.pose,
    threshold: applied,
    match: isMatch(similarity, applied),
    far: paired.far.length ? estimateFar(similarity, paired.far) : Number.NaN,
  };
}

export interface MatchOptions {
  threshold?: ThresholdChoice;
  /** Keep only the most similar candidates. Default: every one. */
  maxResults?: number;
}

/**
 * The probe against every candidate, most similar first (ties in the candidates' order), decided each
 * at its pair's threshold; the top `maxResults` kept whether or not they match.
 */
export function matchFaces(
  calibration: MatchCalibration,
  probe: MatchFace,
  candidates: readonly MatchFace[],
  options: MatchOptions = {},
): MatchDecision[] {
  const decisions = candidates.map((candidate, index) => ({
    index,
    ...decide(
      calibration,
      cosineSimilarity(probe.embedding, candidate.embedding),
      [probe.pose, candidate.pose],
      options.threshold,
    ),
  }));
  decisions.sort((a, b) => b.similarity - a.similarity);
  return options.maxResults === undefined ? decisions : decisions.slice(0, options.maxResults);
}

/**
 * The pair false-accept rate at which `faceCount` independent comparisons have a chance `fpir` of at
 * least one false accept: 1 − (1 − fpir)^(1/faceCount). Computed through log1p/expm1, since the
 * answer is tiny for large collections.
 */
export function pairFarForFpir(fpir: number, faceCount: number): number {
  if (!(fpir > 0 && fpir < 1)) throw new RangeError(`an FPIR must lie in (0, 1), not ${fpir}`);
  return -Math.expm1(Math.log1p(-fpir) / Math.max(1, faceCount));
}

/** The chance that a probe of nobody enrolled scores at least a pair rate `far` against some of `faceCount` faces: 1 − (1 − far)^faceCount. */
export function fpirOfFar(far: number, faceCount: number): number {
  if (!(far < 1)) return 1;
  return -Math.expm1(faceCount * Math.log1p(-far));
}

/**
 * Search's thresholds for a collection of `faceCount` faces: per pose of pair, the similarity at which
 * the estimated FPIR is `maxFpir`. An uncalibrated pose gets NaN (nothing matches).
 */
export function searchThresholds(
  calibration: MatchCalibration,
  maxFpir: number,
  faceCount: number,
): Record<Pose, number> {
  const far = pairFarForFpir(maxFpir, faceCount);
  const at = (pose: Pose) => {
    const curve = pairCalibration(calibration, pose, pose).far;
    return curve.length ? similarityAtFar(far, curve) : Number.NaN;
  };
  return { frontal: at('frontal'), profile: at('profile') };
}
