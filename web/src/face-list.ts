/** The faces as text: number, score and box, for everyone (and the only account for screen readers). */
import { h } from './dom.ts';
import type { Face } from './types.ts';

export function describeFace(face: Face, index: number): string {
  const { x, y, width, height } = face.box;
  const r = Math.round;
  const found = `Face ${index + 1}: score ${face.score.toFixed(2)}, ${r(width)}×${r(height)} px at (${r(x)}, ${r(y)})`;
  return [found, describePose(face), describeQuality(face)].filter(Boolean).join('; ');
}

/** `yaw 12° (turned to the photo's left), pitch −3°, roll 1°`, or nothing when the API gave no pose. */
export function describePose({ headPose }: Face): string {
  if (!headPose) return '';
  const { yaw, pitch, roll } = headPose;
  const deg = (v: number) => `${Math.round(v)}°`;
  const side =
    Math.abs(yaw) < 10 ? 'facing the camera' : `turned to the photo's ${yaw > 0 ? 'left' : 'right'}`;
  return `yaw ${deg(yaw)} (${side}), pitch ${deg(pitch)}, roll ${deg(roll)}`;
}

/** `quality 0.93 (sharpness 40, brightness 51)` */
export function describeQuality({ quality }: Face): string {
  if (!quality) return '';
  const score = quality.score === null || Number.isNaN(quality.score) ? '–' : quality.score.toFixed(2);
  return `quality ${score} (sharpness ${Math.round(quality.sharpness)}, brightness ${Math.round(quality.brightness)})`;
}

export function renderFaceList(list: HTMLOListElement, faces: readonly Face[]): void {
  list.replaceChildren(...faces.map((face, i) => h('li', {}, describeFace(face, i))));
}
