/**
 * The verification protocol: fit on LFW View 1 DevTrain plus CFP frontal-profile folds 6–8, report on
 * LFW DevTest, CFP folds 9–10 and the deepface pairs. Pure functions over embeddings keyed by file;
 * a pair with an image where no face was found scores NaN and counts as wrong (the product answers
 * NoFaceDetected).
 */
import { basename, dirname } from 'node:path';
import { cosineSimilarity, type FarPoint } from '../../functions/core/compare.ts';
import { fuseEmbeddings } from '../../functions/core/embedder.ts';
import { pairPose } from '../../functions/core/match.ts';
import type { Pose } from '../../functions/core/types.ts';
import type { Pair } from './datasets.ts';
import {
  auc,
  farCurveWithTail,
  fitThreshold,
  type LabelledScore,
  type TailOptions,
  tarAtFarOf,
} from './metrics.ts';

/**
 * The false-accept curves' tail: the training impostors' own curve down to 1e-4 (about a thousand
 * frontal pairs above), a fitted model below, down to 1e-10 so that search's rule reads a threshold
 * for maxFpir 0.01 up to 10^8 faces. The model and window were chosen on the training impostors
 * (docs/evaluation.md, "False-accept curve").
 */
export const FAR_TAIL: TailOptions = { model: 'exponential', fitFrom: 1e-2, anchor: 1e-4, rarest: 1e-10 };

export type Embeddings = Map<string, Float32Array>;

export interface ProtocolSets {
  /** Thresholds, fusion weights and the false-accept curve are fitted on these pairs… */
  train: Pair[];
  /** …and on the impostors formed across the distinct people of these images. */
  trainImages: string[];
  lfwTest: Pair[];
  /** DevTest's images, whose cross-person impostors give TAR at FAR 1e-4. */
  lfwTestImages: string[];
  cfpTest: Pair[];
  deepface: Pair[];
}

/** The person in a photo of LFW (`…/Name/Name_0001.jpg`) or CFP (`…/<id>/frontal/01.jpg`). */
export function personOf(file: string): string {
  const folder = basename(dirname(file));
  return folder === 'frontal' || folder === 'profile' ? `cfp:${basename(dirname(dirname(file)))}` : folder;
}

export function scorePairs(pairs: readonly Pair[], embeddings: Embeddings): LabelledScore[] {
  return pairs.map((p) => {
    const a = embeddings.get(p.a);
    const b = embeddings.get(p.b);
    return { same: p.same, similarity: a && b ? cosineSimilarity(a, b) : Number.NaN };
  });
}

/** Pairs decided as the engine does: at the profile threshold when either image is in profile. */
export interface PoseThresholds {
  frontal: number;
  profile: number;
}

function poseIn(file: string, profiles: ReadonlySet<string>): Pose {
  return profiles.has(file) ? 'profile' : 'frontal';
}

/** Core's pose rule (pairPose) for the faces of two images. */
function isProfilePair(pair: Pair, profiles: ReadonlySet<string>): boolean {
  return pairPose(poseIn(pair.a, profiles), poseIn(pair.b, profiles)) === 'profile';
}

export function poseAccuracy(
  pairs: readonly Pair[],
  embeddings: Embeddings,
  profiles: ReadonlySet<string>,
  thresholds: PoseThresholds,
): number {
  const scores = scorePairs(pairs, embeddings);
  const right = pairs.filter((p, i) => {
    const s = scores[i] as LabelledScore;
    const threshold = isProfilePair(p, profiles) ? thresholds.profile : thresholds.frontal;
    return !Number.isNaN(s.similarity) && s.similarity >= threshold === s.same;
  });
  return right.length / pairs.length;
}

/** Thresholds at the best accuracy, fitted apart on frontal pairs and on pairs with a profile. */
export function fitPoseThresholds(
  pairs: readonly Pair[],
  embeddings: Embeddings,
  profiles: ReadonlySet<string>,
): PoseThresholds {
  const bestThreshold = (subset: Pair[]) =>
    fitThreshold(scorePairs(subset, embeddings).filter((s) => !Number.isNaN(s.similarity))).threshold;
  const frontal = bestThreshold(pairs.filter((p) => !isProfilePair(p, profiles)));
  const profile = pairs.filter((p) => isProfilePair(p, profiles));
  return { frontal, profile: profile.length ? bestThreshold(profile) : frontal };
}

/**
 * Every pair of embedded images of two different people (each pair once), split into frontal pairs
 * and pairs with a face in profile.
 */
export function crossPersonScores(
  files: readonly string[],
  embeddings: Embeddings,
  profiles: ReadonlySet<string> = new Set(),
): { frontal: Float32Array; profile: Float32Array } {
  const found = files.filter((f) => embeddings.has(f));
  const people = found.map(personOf);
  const vectors = found.map((f) => embeddings.get(f) as Float32Array);
  const poses = found.map((f) => poseIn(f, profiles));
  const scores = { frontal: [] as number[], profile: [] as number[] };
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      if (people[i] === people[j]) continue;
      const similarity = cosineSimilarity(vectors[i] as Float32Array, vectors[j] as Float32Array);
      scores[pairPose(poses[i] as Pose, poses[j] as Pose)].push(similarity);
    }
  }
  return { frontal: Float32Array.from(scores.frontal), profile: Float32Array.from(scores.profile) };
}

/** The embedders' embeddings of every file all of them embedded, fused with these weights. */
export function fuse(parts: readonly Embeddings[], weights: readonly number[]): Embeddings {
  const fused: Embeddings = new Map();
  for (const file of (parts[0] as Embeddings).keys()) {
    const vectors = parts.map((p) => p.get(file));
    if (vectors.every((v): v is Float32Array => v !== undefined))
      fused.set(file, fuseEmbeddings(vectors, weights));
  }
  return fused;
}

/** Weight vectors on a grid of `step` over the simplex (each ≥ step, summing to 1). */
export function weightGrid(parts: number, step = 0.05): number[][] {
  const units = Math.round(1 / step);
  const grid: number[][] = [];
  const walk = (prefix: number[], left: number) => {
    if (prefix.length === parts - 1) {
      if (left >= 1) grid.push([...prefix, left].map((u) => u / units));
      return;
    }
    for (let u = 1; u < left; u++) walk([...prefix, u], left - u);
  };
  if (parts === 1) return [[1]];
  walk([], units);
  return grid;
}

export interface FusionFit {
  weights: number[];
  trainAuc: number;
}

/**
 * The fusion weights with the best AUC on the training pairs: accuracy alone is flat over a wide range
 * of weights, AUC also rewards the order of the scores away from the threshold (TAR at low FAR).
 */
export function fitWeights(parts: readonly Embeddings[], train: readonly Pair[], step = 0.05): FusionFit {
  let best: FusionFit | undefined;
  for (const weights of weightGrid(parts.length, step)) {
    const scores = scorePairs(train, fuse(parts, weights)).filter((s) => !Number.isNaN(s.similarity));
    const trainAuc = auc(scores);
    if (!best || trainAuc > best.trainAuc) best = { weights, trainAuc };
  }
  return best as FusionFit;
}

export interface VerificationScores {
  thresholds: PoseThresholds;
  trainAccuracy: number;
  trainAuc: number;
  lfwTest: number;
  /** On DevTest: impostors from DevTest's pairs (1e-3), and across its distinct people (1e-4). */
  lfwTar3: number;
  lfwTar4: number;
  cfpTest: number;
  cfpTar2: number;
  deepface: number;
  /** Images of the train and report sets in which no face was found. */
  missed: number;
  far: { frontal: FarPoint[]; profile: FarPoint[] };
}

/**
 * The protocol's figures for one set of embeddings. `profiles` are the images whose compared face is
 * in profile (pose.ts); TAR at a FAR ranks raw similarities, whatever the pose.
 */
export function scoreProtocol(
  sets: ProtocolSets,
  embeddings: Embeddings,
  profiles: ReadonlySet<string>,
): VerificationScores {
  const thresholds = fitPoseThresholds(sets.train, embeddings, profiles);
  const train = scorePairs(sets.train, embeddings);
  const lfwTest = scorePairs(sets.lfwTest, embeddings);
  const cfpTest = scorePairs(sets.cfpTest, embeddings);
  // Same-person (or different-person) pairs' similarities; a pair without a face ranks below all.
  const ranked = (scores: LabelledScore[], same: boolean) =>
    scores.filter((s) => s.same === same).map((s) => (Number.isNaN(s.similarity) ? -2 : s.similarity));
  const files = new Set(
    [...sets.train, ...sets.lfwTest, ...sets.cfpTest, ...sets.deepface].flatMap((p) => [p.a, p.b]),
  );
  const trainImpostors = crossPersonScores(sets.trainImages, embeddings, profiles);
  const testImpostors = crossPersonScores(sets.lfwTestImages, embeddings);
  const accuracy = (pairs: Pair[]) => poseAccuracy(pairs, embeddings, profiles, thresholds);
  return {
    thresholds,
    trainAccuracy: accuracy(sets.train),
    trainAuc: auc(train.filter((s) => !Number.isNaN(s.similarity))),
    lfwTest: accuracy(sets.lfwTest),
    lfwTar3: tarAtFarOf(ranked(lfwTest, true), ranked(lfwTest, false), 1e-3).tar,
    lfwTar4: tarAtFarOf(ranked(lfwTest, true), testImpostors.frontal, 1e-4).tar,
    cfpTest: accuracy(sets.cfpTest),
    cfpTar2: tarAtFarOf(ranked(cfpTest, true), ranked(cfpTest, false), 1e-2).tar,
    deepface: accuracy(sets.deepface),
    missed: [...files].filter((f) => !embeddings.has(f)).length,
    far: {
      frontal: farCurveWithTail(trainImpostors.frontal, FAR_TAIL),
      profile: trainImpostors.profile.length ? farCurveWithTail(trainImpostors.profile, FAR_TAIL) : [],
    },
  };
}
