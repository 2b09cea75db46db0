/**
 * The identification (1:N) protocol on held-out people: some people enrolled with one gallery photo
 * each, their other photos searched as mated probes, the photos of people not enrolled as non-mated
 * probes; seeded splits. Pure functions over embeddings keyed by file, deciding with core's matcher.
 */

import { estimateFar } from '../../functions/core/compare.ts';
import {
  decide,
  fpirOfFar,
  type MatchCalibration,
  type MatchFace,
  matchFaces,
  pairCalibration,
  type ThresholdChoice,
} from '../../functions/core/match.ts';
import { seededRandom } from '../seeded-random.ts';
import { personOf } from './verification.ts';

export interface IdentificationSplit {
  /** One photo per enrolled person. */
  gallery: string[];
  /** Photos of enrolled people, not their gallery photo. */
  mated: string[];
  /** Photos of people not enrolled. */
  nonMated: string[];
}

export interface SplitOptions {
  /** How many people are enrolled, drawn among those with at least two photos. */
  enrolled: number;
  seed: number;
  /** At most this many mated probes, one per enrolled person at most (the outside check's); default every photo. */
  mated?: number;
  /** At most this many non-mated probes, drawn at random; default every photo. */
  nonMated?: number;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function identificationSplit(files: readonly string[], options: SplitOptions): IdentificationSplit {
  const random = seededRandom(options.seed);
  const photos = new Map<string, string[]>();
  for (const file of [...files].sort())
    photos.set(personOf(file), [...(photos.get(personOf(file)) ?? []), file]);
  const people = [...photos.keys()];
  const several = people.filter((p) => (photos.get(p) as string[]).length >= 2);
  if (several.length < options.enrolled) {
    throw new RangeError(`only ${several.length} people have two photos or more; ${options.enrolled} asked`);
  }
  const enrolled = new Set(shuffled(several, random).slice(0, options.enrolled));
  const split: IdentificationSplit = { gallery: [], mated: [], nonMated: [] };
  const matedByPerson: string[][] = [];
  for (const person of people) {
    const own = shuffled(photos.get(person) as string[], random);
    if (!enrolled.has(person)) {
      split.nonMated.push(...own);
      continue;
    }
    split.gallery.push(own[0] as string);
    matedByPerson.push(own.slice(1));
  }
  split.mated =
    options.mated === undefined
      ? matedByPerson.flat()
      : shuffled(matedByPerson, random)
          .slice(0, options.mated)
          .map((own) => own[0] as string);
  if (options.nonMated !== undefined)
    split.nonMated = shuffled(split.nonMated, random).slice(0, options.nonMated);
  return split;
}

/** One search: whether its top face is the probe's own person, and the verdicts of every gallery face. */
export interface SearchOutcome {
  mated: boolean;
  /** The most similar gallery face is the probe's person (rank 1). */
  rankOne: boolean;
  top: number;
  /** Whether the probe's search matches someone (a non-mated probe), or its mate at rank 1 (a mated one), at a threshold. */
  accepted(threshold: ThresholdChoice): boolean;
}

/**
 * Every probe searched against the gallery with core's matcher. A probe or gallery photo without a
 * face (no embedding) is a search without a match: a miss for a mated probe, a right answer otherwise.
 */
export function searchSplit(
  split: IdentificationSplit,
  faces: ReadonlyMap<string, MatchFace>,
  calibration: MatchCalibration,
): SearchOutcome[] {
  const gallery = split.gallery.filter((f) => faces.has(f));
  const candidates = gallery.map((f) => faces.get(f) as MatchFace);
  const people = gallery.map(personOf);
  const search = (file: string, mated: boolean): SearchOutcome => {
    const probe = faces.get(file);
    if (!probe || candidates.length === 0) return { mated, rankOne: false, top: -2, accepted: () => false };
    const ranked = matchFaces(calibration, probe, candidates);
    const first = ranked[0] as (typeof ranked)[0];
    const rankOne = people[first.index] === personOf(file);
    const matches = (d: (typeof ranked)[0], threshold: ThresholdChoice) =>
      decide(calibration, d.similarity, [probe.pose, (candidates[d.index] as MatchFace).pose], threshold)
        .match;
    return {
      mated,
      rankOne,
      top: first.similarity,
      accepted: (threshold) =>
        mated ? rankOne && matches(first, threshold) : ranked.some((d) => matches(d, threshold)),
    };
  };
  return [...split.mated.map((f) => search(f, true)), ...split.nonMated.map((f) => search(f, false))];
}

export interface Rates {
  /** Share of mated probes not found at rank 1 above the threshold. */
  fnir: number;
  /** Share of non-mated probes matching someone. */
  fpir: number;
}

export function ratesAt(outcomes: readonly SearchOutcome[], threshold: ThresholdChoice): Rates {
  const mated = outcomes.filter((o) => o.mated);
  const nonMated = outcomes.filter((o) => !o.mated);
  return {
    fnir: mated.filter((o) => !o.accepted(threshold)).length / Math.max(1, mated.length),
    fpir: nonMated.filter((o) => o.accepted(threshold)).length / Math.max(1, nonMated.length),
  };
}

export function rankOneRate(outcomes: readonly SearchOutcome[]): number {
  const mated = outcomes.filter((o) => o.mated);
  return mated.filter((o) => o.rankOne).length / Math.max(1, mated.length);
}

/**
 * FNIR at the lowest single threshold whose measured FPIR is at most `fpir` (set on the probes
 * themselves: the metric, not an operating point a service could know).
 */
export function fnirAtFpir(outcomes: readonly SearchOutcome[], fpir: number): Rates & { threshold: number } {
  const tops = outcomes
    .filter((o) => !o.mated)
    .map((o) => o.top)
    .sort((a, b) => b - a);
  const allowed = Math.floor(fpir * tops.length);
  const threshold = (tops[allowed] ?? -2) + 1e-9;
  return { ...ratesAt(outcomes, threshold), threshold };
}

/** What the calibration predicts for one frontal threshold at a gallery size: 1 − (1 − far(t))^N. */
export function predictedFpir(calibration: MatchCalibration, threshold: number, faceCount: number): number {
  const { far } = pairCalibration(calibration, 'frontal', 'frontal');
  return fpirOfFar(estimateFar(threshold, far), faceCount);
}
