/** The people of a collection, from its faces as listed: each name once, with how many faces it has. */
import type { ListedFace } from './types.ts';

export interface Person {
  name: string;
  faceCount: number;
}

/** In the order the listing first names them (oldest enrolment first), faces of a page counted together. */
export function peopleOf(faces: readonly ListedFace[]): Person[] {
  const counts = new Map<string, number>();
  for (const face of faces) counts.set(face.externalId, (counts.get(face.externalId) ?? 0) + 1);
  return [...counts].map(([name, faceCount]) => ({ name, faceCount }));
}
