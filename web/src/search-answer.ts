/** A search of a collection in words: who was found, and each ranked person's numbers. */
import { describeFar, oneIn } from '../../functions/core/compare.ts';
import { plural } from './dom.ts';
import type { SearchMatch, SearchResponse } from './types.ts';
import { decide } from './verdict.ts';

export interface RankedPerson {
  name: string;
  match: boolean;
  /** e.g. "similarity 0.93 ≥ threshold 0.91" */
  comparison: string;
  /** e.g. "about 1 in 8,300 pairs of different people score this high (false-accept rate 0.00012)" */
  rarity: string;
}

export interface SearchAnswer {
  /** True when the top person reaches their threshold. */
  found: boolean;
  /** "Found: Ada_Lovelace", "Not found" or "No one enrolled yet". */
  label: string;
  /** One sentence on why. */
  detail: string;
  /** How likely a person not enrolled is to score this high here; empty without matches. */
  chance: string;
  ranked: RankedPerson[];
}

function rank(match: SearchMatch): RankedPerson {
  const verdict = decide(match);
  return {
    name: match.externalId,
    match: verdict.match,
    comparison: verdict.comparison,
    rarity: `${describeFar(match.far)} (false-accept rate ${match.far})`,
  };
}

/**
 * `fpir` in words: "About 1 in 200 people who are not enrolled would score this high against one of the
 * 12 faces here (estimated, 0.005)."
 */
export function describeFpir(fpir: number, faceCount: number): string {
  const odds = oneIn(fpir);
  const who = odds ? `About ${odds} people` : 'Most people';
  const against = faceCount === 1 ? 'the 1 face' : `one of the ${plural(faceCount, 'face', 'faces')}`;
  return `${who} who are not enrolled would score this high against ${against} here (estimated, ${fpir}).`;
}

export function describeSearch(result: SearchResponse): SearchAnswer {
  const ranked = result.matches.map(rank);
  const top = ranked[0];
  if (!top) {
    return {
      found: false,
      label: 'No one enrolled yet',
      detail: 'This collection has no faces: enrol people first, then search.',
      chance: '',
      ranked,
    };
  }
  const chance = describeFpir(result.fpir, result.faceCount);
  if (!top.match) {
    return {
      found: false,
      label: 'Not found',
      detail: `No one enrolled reaches their threshold; the closest is ${top.name} (${top.comparison}).`,
      chance,
      ranked,
    };
  }
  const others = ranked.slice(1).filter((person) => person.match);
  const also =
    others.length > 0 ? ` Also at or above their threshold: ${others.map((p) => p.name).join(', ')}.` : '';
  return { found: true, label: `Found: ${top.name}`, detail: `${top.comparison}.${also}`, chance, ranked };
}
