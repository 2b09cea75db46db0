/** The faces as text: number, score and box, for everyone (and the only account for screen readers). */
import { h } from './dom.ts';
import type { Face } from './types.ts';

export function describeFace(face: Face, index: number): string {
  const { x, y, width, height } = face.box;
  const r = Math.round;
  return `Face ${index + 1}: score ${face.score.toFixed(2)}, ${r(width)}×${r(height)} px at (${r(x)}, ${r(y)})`;
}

export function renderFaceList(list: HTMLOListElement, faces: readonly Face[]): void {
  list.replaceChildren(...faces.map((face, i) => h('li', {}, describeFace(face, i))));
}
