/**
 * The drop folder's key layout: what an object under `incoming/` is, and where its result goes.
 *
 * - `incoming/<pairId>/<name>`  one image of a pair            → `results/<pairId>.json`
 * - `incoming/detect/<name>`    one image to detect faces in   → `results/detect/<name>.json`
 * - anything else under `incoming/` that is not used (a file directly under `incoming/`, or a file
 *   that reaches a pair already judged)                          → `results/rejected/<path>.json`
 * - `enrol/<collectionId>/<externalId>/<name>`  a photo to enrol → `results/enrol/<path under enrol/>.json`;
 *   a file elsewhere under `enrol/` gets its error result at the same place.
 *
 * Keys ending in `/` are the zero-byte "folder" markers consoles create: not files, never judged.
 */

import { DROP_PREFIXES } from '../shared/contract.ts';

/** The one folder name under `incoming/` that holds detect jobs, never a pair. */
export const DETECT_FOLDER = 'detect';

export type DropKey =
  | { kind: 'pair'; pairId: string }
  | { kind: 'detect'; name: string }
  /** A file directly under `incoming/`: in no pair and no detect job. */
  | { kind: 'stray' }
  /** A photo to enrol; `into` is absent when the key has no `<collectionId>/<externalId>/` folders. */
  | { kind: 'enrol'; into?: EnrolTarget }
  | { kind: 'ignored'; reason: string };

/** Where an upload under `enrol/` goes: the ids as the key spells them, checked by the collections service. */
export interface EnrolTarget {
  collectionId: string;
  externalId: string;
}

export function parseDropKey(key: string): DropKey {
  if (isFolderMarker(key)) return { kind: 'ignored', reason: 'folder marker' };
  if (key.startsWith(DROP_PREFIXES.enrol)) return parseEnrolKey(key.slice(DROP_PREFIXES.enrol.length));
  if (!key.startsWith(DROP_PREFIXES.incoming))
    return { kind: 'ignored', reason: 'outside incoming/ and enrol/' };
  const path = key.slice(DROP_PREFIXES.incoming.length);
  const slash = path.indexOf('/');
  if (slash <= 0) return { kind: 'stray' };
  const folder = path.slice(0, slash);
  return folder === DETECT_FOLDER
    ? { kind: 'detect', name: path.slice(slash + 1) }
    : { kind: 'pair', pairId: folder };
}

function parseEnrolKey(path: string): DropKey {
  const [collectionId, externalId, ...name] = path.split('/');
  if (!collectionId || !externalId || name.length === 0) return { kind: 'enrol' };
  return { kind: 'enrol', into: { collectionId, externalId } };
}

export function isFolderMarker(key: string): boolean {
  return key.endsWith('/');
}

/** The prefix listed to find a pair's files. */
export function pairPrefix(pairId: string): string {
  return `${DROP_PREFIXES.incoming}${pairId}/`;
}

export function pairResultKey(pairId: string): string {
  return `${DROP_PREFIXES.results}${pairId}.json`;
}

export function detectResultKey(name: string): string {
  return `${DROP_PREFIXES.results}${DETECT_FOLDER}/${name}.json`;
}

/** Where a file that takes part in no job is reported: its path under `incoming/`, under `results/rejected/`. */
export function rejectedResultKey(key: string): string {
  return `${DROP_PREFIXES.results}rejected/${key.slice(DROP_PREFIXES.incoming.length)}.json`;
}

/** An enrolment's result: the upload's path under `enrol/`, under `results/enrol/`. */
export function enrolResultKey(key: string): string {
  return `${DROP_PREFIXES.results}${key}.json`;
}
