/** How frontal a face is, read from its five landmarks: profile faces get a threshold of their own. */
import type { Landmarks, Point, Pose } from './types.ts';

const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const distance = (a: Point, b: Point): number => Math.hypot(a[0] - b[0], a[1] - b[1]);

/**
 * The eyes' distance over the distance from between the eyes to the mouth's centre: about 1 for a
 * frontal face, falling towards 0 as the head turns aside (RetinaFace's landmarks: LFW View 1's
 * median 0.97, CFP frontal photos' 0.99, CFP profiles' 0.50).
 */
export function frontality(landmarks: Landmarks): number {
  const eyes = mid(landmarks.leftEye, landmarks.rightEye);
  const mouth = mid(landmarks.mouthLeft, landmarks.mouthRight);
  return distance(landmarks.leftEye, landmarks.rightEye) / Math.max(distance(eyes, mouth), 1e-6);
}

/**
 * Below this a face counts as seen from the side. Between CFP's profiles (95th percentile 0.74) and
 * its frontal photos (1st percentile 0.91); 1 % of LFW's photos, turned heads, fall below it.
 */
export const PROFILE_BELOW = 0.8;

export function isProfile(landmarks: Landmarks): boolean {
  return frontality(landmarks) < PROFILE_BELOW;
}

/** A face's pose, from its detector's landmarks (the ones PROFILE_BELOW was measured on). */
export function poseOf(detected: Landmarks): Pose {
  return isProfile(detected) ? 'profile' : 'frontal';
}
