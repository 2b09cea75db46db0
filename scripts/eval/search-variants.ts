/**
 * Other ways to score a search than the shipped cosine, measured on training people: the score
 * normalisations the speaker- and face-recognition literature uses against "hub" faces that resemble
 * everyone (Z-, T- and S-norm with the collection itself as the cohort), centring on the population's
 * mean, and a margin over the best other person. Each is one search over a split's gallery; rank 1 and
 * FNIR at a measured FPIR come from the identification protocol's own functions.
 */

import { mean, type SearchOutcome, seededSplits } from './identification.ts';
import { type Embeddings, personOf } from './verification.ts';

export type SearchVariant =
  /** The shipped score: the cosine of the probe and each gallery face. */
  | { kind: 'cosine' }
  /** The probe minus `beta` × the images' mean vector: a gallery face near the mean scores less. */
  | { kind: 'centred'; beta: number }
  /** Ranked by cosine; decided on the top cosine minus `lambda` × the best other person's. */
  | { kind: 'margin'; lambda: number }
  /**
   * Standardised by the mean and spread of the `cohort` highest cosines (the gallery as the cohort):
   * Z of each gallery face against the other gallery faces (re-ranks), T of the probe against the
   * gallery below its top face (decides), S their average.
   */
  | { kind: 'znorm' | 'tnorm' | 'snorm'; cohort: number };

export function variantName(variant: SearchVariant): string {
  switch (variant.kind) {
    case 'cosine':
      return 'cosine (shipped)';
    case 'centred':
      return `probe centred on the mean, β ${variant.beta}`;
    case 'margin':
      return `top − ${variant.lambda} × best other person`;
    default:
      return `${variant.kind[0]?.toUpperCase()}-norm, top ${variant.cohort} of the gallery`;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Mean and standard deviation of the `count` highest values (1 where they do not spread). */
function topStats(values: readonly number[], count: number, skip = 0): { mu: number; sd: number } {
  const top = [...values].sort((a, b) => b - a).slice(skip, skip + count);
  const mu = mean(top);
  return { mu, sd: Math.sqrt(mean(top.map((x) => (x - mu) ** 2))) || 1 };
}

/** The unweighted mean of the vectors. */
export function meanVector(vectors: Iterable<Float32Array>): Float32Array {
  const all = [...vectors];
  const sum = new Float64Array(all[0]?.length ?? 0);
  for (const v of all) for (let i = 0; i < v.length; i++) sum[i] = (sum[i] as number) + (v[i] as number);
  return Float32Array.from(sum, (x) => x / all.length);
}

/**
 * Every probe of the split searched against its gallery with the variant's score. `populationMean` is
 * the centred variant's mean. A photo without an embedding is a search without a match, as in searchSplit.
 */
export function variantSearch(
  split: { gallery: string[]; mated: string[]; nonMated: string[] },
  vectors: Embeddings,
  variant: SearchVariant,
  populationMean?: Float32Array,
): SearchOutcome[] {
  const gallery = split.gallery.filter((f) => vectors.has(f));
  const stored = gallery.map((f) => vectors.get(f) as Float32Array);
  if (variant.kind === 'centred' && !populationMean) {
    throw new RangeError(`${variantName(variant)} needs the population's mean`);
  }
  const cohort = 'cohort' in variant ? variant.cohort : 0;
  const galleryStats =
    variant.kind === 'znorm' || variant.kind === 'snorm'
      ? stored.map((g, i) =>
          topStats(
            stored.filter((_, j) => j !== i).map((h) => dot(g, h)),
            cohort,
          ),
        )
      : [];
  const offset = stored.map((g) =>
    variant.kind === 'centred' && populationMean ? variant.beta * dot(populationMean, g) : 0,
  );
  const search = (file: string, mated: boolean): SearchOutcome => {
    const probe = vectors.get(file);
    if (!probe || stored.length === 0)
      return { mated, rankOne: false, top: -Infinity, accepted: () => false };
    const cosines = stored.map((g) => dot(probe, g));
    // T-norm's cohort: the probe's next highest cosines below its top one.
    const probeStats =
      variant.kind === 'tnorm' || variant.kind === 'snorm' ? topStats(cosines, cohort, 1) : undefined;
    const scores = cosines.map((c, i) => {
      const z = galleryStats[i] ? (c - galleryStats[i].mu) / galleryStats[i].sd : c;
      const t = probeStats ? (c - probeStats.mu) / probeStats.sd : c;
      if (variant.kind === 'znorm') return z;
      if (variant.kind === 'tnorm') return t;
      if (variant.kind === 'snorm') return (z + t) / 2;
      return c - (offset[i] as number);
    });
    const best = scores.reduce((b, s, i) => (s > (scores[b] as number) ? i : b), 0);
    const person = personOf(gallery[best] as string);
    let top = scores[best] as number;
    if (variant.kind === 'margin') {
      const other = Math.max(...scores.filter((_, i) => personOf(gallery[i] as string) !== person), -1);
      top -= variant.lambda * other;
    }
    const rankOne = person === personOf(file);
    return {
      mated,
      rankOne,
      top,
      accepted: (threshold) => typeof threshold === 'number' && top >= threshold && (mated ? rankOne : true),
    };
  };
  return [...split.mated.map((f) => search(f, true)), ...split.nonMated.map((f) => search(f, false))];
}

/** The seeded splits fitSearchWeights uses, searched with each variant. */
export function variantTrials(
  images: readonly string[],
  vectors: Embeddings,
  variants: readonly SearchVariant[],
  options: { enrolled: number; splits: number },
): { variant: SearchVariant; outcomes: SearchOutcome[][] }[] {
  const populationMean = meanVector(images.flatMap((f) => vectors.get(f) ?? []));
  const splits = seededSplits(images, options.splits, { enrolled: options.enrolled });
  return variants.map((variant) => ({
    variant,
    outcomes: splits.map((split) => variantSearch(split, vectors, variant, populationMean)),
  }));
}
