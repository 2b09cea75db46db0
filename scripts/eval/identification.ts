/**
 * The identification (1:N) protocol on held-out people: some people enrolled with one gallery photo
 * each, their other photos searched as mated probes, the photos of people not enrolled as non-mated
 * probes; seeded splits. Pure functions over embeddings keyed by file, deciding with core's matcher.
 */

import { estimateFar, type FarPoint } from '../../functions/core/compare.ts';
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
import { farCurveWithTail, type TailOptions } from './metrics.ts';
import { crossPersonScores, type Embeddings, fuse, personOf, weightGrid } from './verification.ts';

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
  /** Gallery photos per enrolled person where they have one more photo left as a probe; default 1. */
  galleryPhotos?: number;
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
    // Every enrolled person keeps at least one photo to search with.
    const enrolledPhotos = Math.max(1, Math.min(options.galleryPhotos ?? 1, own.length - 1));
    split.gallery.push(...own.slice(0, enrolledPhotos));
    matedByPerson.push(own.slice(enrolledPhotos));
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

/** `count` splits of `images`, seeded 1…count: the same splits for every score compared on them. */
export function seededSplits(
  images: readonly string[],
  count: number,
  options: Omit<SplitOptions, 'seed'>,
): IdentificationSplit[] {
  return Array.from({ length: count }, (_, seed) =>
    identificationSplit(images, { ...options, seed: seed + 1 }),
  );
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

/** The mean of the figures of several splits. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** One candidate weighting of the embedders for search's ranking, as measured on training people. */
export interface WeightTrial {
  weights: number[];
  rankOne: number;
  fnirAtFpir1: number;
}

/**
 * Search's ranking weights, chosen on training people: for each weighting on a grid of `step`, the mean
 * over seeded splits (300 enrolled, every photo searched) of FNIR at a measured FPIR of 1 %, then rank 1;
 * the lowest FNIR wins (ties: the higher rank 1).
 */
export function fitSearchWeights(
  parts: readonly Embeddings[],
  profiles: ReadonlySet<string>,
  images: readonly string[],
  options: { enrolled: number; splits: number; step?: number },
): { best: WeightTrial; trials: WeightTrial[] } {
  const splits = seededSplits(images, options.splits, { enrolled: options.enrolled });
  const uncalibrated: MatchCalibration = { threshold: Number.NaN, far: [] };
  const trials = weightGrid(parts.length, options.step ?? 0.1).map((weights): WeightTrial => {
    const faces = poseFaces(fuse(parts, weights), profiles);
    const outcomes = splits.map((split) => searchSplit(split, faces, uncalibrated));
    return {
      weights,
      rankOne: mean(outcomes.map(rankOneRate)),
      fnirAtFpir1: mean(outcomes.map((o) => fnirAtFpir(o, 0.01).fnir)),
    };
  });
  const best = trials.reduce((a, b) =>
    b.fnirAtFpir1 < a.fnirAtFpir1 || (b.fnirAtFpir1 === a.fnirAtFpir1 && b.rankOne > a.rankOne) ? b : a,
  );
  return { best, trials };
}

/** Embeddings with each file's pose, as the matcher takes them. */
export function poseFaces(embeddings: Embeddings, profiles: ReadonlySet<string>): Map<string, MatchFace> {
  return new Map(
    [...embeddings].map(([file, embedding]) => [
      file,
      { embedding, pose: profiles.has(file) ? ('profile' as const) : ('frontal' as const) },
    ]),
  );
}

/**
 * Search's false-accept curves: the sample's own curve down to 1e-6 (the cross-person pairs number
 * millions, so about six pairs still score above), an exponential tail fitted from 1e-4 below it, for
 * collections too large for the sample (past 10^4 faces at maxFpir 0.01).
 */
export const SEARCH_TAIL: TailOptions = { model: 'exponential', fitFrom: 1e-4, anchor: 1e-6, rarest: 1e-10 };

/**
 * The false-accept curves of a score from every pair of images of two different people within each
 * set of images (one set per dataset): pairs across datasets are left out, since the same person may
 * be filed under another name in each (a celebrity in both LFW and CFP), which a cross-dataset "impostor"
 * pair would count as a false accept.
 */
export function searchCurves(
  sets: readonly (readonly string[])[],
  embeddings: Embeddings,
  profiles: ReadonlySet<string>,
): { frontal: FarPoint[]; profile: FarPoint[]; pairs: { frontal: number; profile: number } } {
  const scores = sets.map((images) => crossPersonScores(images, embeddings, profiles));
  const joined = (pose: 'frontal' | 'profile') => {
    const out = new Float32Array(scores.reduce((n, s) => n + s[pose].length, 0));
    let offset = 0;
    for (const s of scores) {
      out.set(s[pose], offset);
      offset += s[pose].length;
    }
    return out;
  };
  const frontal = joined('frontal');
  const profile = joined('profile');
  return {
    frontal: farCurveWithTail(frontal, SEARCH_TAIL),
    profile: profile.length ? farCurveWithTail(profile, SEARCH_TAIL) : [],
    pairs: { frontal: frontal.length, profile: profile.length },
  };
}
