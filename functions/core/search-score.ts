/**
 * Search's (1:N) score. A fused embedding stores each embedder's part scaled by √Wᵢ (its weight in
 * verify's score), so a dot product of two stored vectors is Σ Wᵢ·cosᵢ. Search ranks better with other
 * weights wᵢ (chosen on training people, docs/evaluation.md); it gets them without touching what is
 * stored by scaling the probe's part i by wᵢ/Wᵢ: the reweighted probe's dot product with a stored
 * vector is Σ wᵢ·cosᵢ. A store that answers the cosine with the probe (it normalises the probe) is
 * rescaled by the probe's length, the same for every face.
 */
import type { SearchCalibration } from './manifest.ts';
import type { MatchCalibration } from './match.ts';

/** One embedder's part of a fused embedding: its length, its weight as stored and in search's score. */
export interface EmbeddingPart {
  dimension: number;
  stored: number;
  search: number;
}

/** How search scores: the parts' weights and the false-accept curves of that score. */
export interface SearchScoring {
  parts: readonly EmbeddingPart[];
  /** Thresholds are NaN: search derives its own per search (searchThresholds). */
  calibration: MatchCalibration;
}

/** The reweighted probe and its length (score = cosine with the probe × norm). */
export interface SearchProbe {
  vector: Float32Array;
  norm: number;
}

/**
 * The scoring of an embedder whose parts (one, or a fusion's) are laid out as `parts` with their stored
 * weights: the search calibration's weights and curves where one is fitted, else verify's own score
 * and curves.
 */
export function searchScoring(
  parts: readonly { dimension: number; weight: number }[],
  search: SearchCalibration | undefined,
  verify: MatchCalibration,
): SearchScoring {
  if (search && search.weights.length !== parts.length) {
    throw new RangeError(
      `a search calibration of ${search.weights.length} weights for ${parts.length} parts`,
    );
  }
  return {
    parts: parts.map(({ dimension, weight }, i) => ({
      dimension,
      stored: weight,
      search: search ? (search.weights[i] as number) : weight,
    })),
    calibration: search ? searchCalibration(search) : verify,
  };
}

/** Search's curves as the matcher reads them: no fixed threshold (searchThresholds derives one per search). */
export function searchCalibration(search: Pick<SearchCalibration, 'far' | 'profile'>): MatchCalibration {
  return {
    threshold: Number.NaN,
    far: search.far,
    ...(search.profile && { profile: { threshold: Number.NaN, far: search.profile.far } }),
  };
}

/** The probe reweighted for search: part i scaled by wᵢ/Wᵢ, both weights normalised to sum 1. */
export function searchProbe(embedding: Float32Array, parts: readonly EmbeddingPart[]): SearchProbe {
  const length = parts.reduce((n, p) => n + p.dimension, 0);
  if (embedding.length !== length) {
    throw new RangeError(`embedding of length ${embedding.length}, the parts add up to ${length}`);
  }
  const stored = parts.reduce((s, p) => s + p.stored, 0);
  const search = parts.reduce((s, p) => s + p.search, 0);
  const vector = new Float32Array(length);
  let offset = 0;
  let squares = 0;
  for (const part of parts) {
    const scale = part.search / search / (part.stored / stored);
    for (let k = offset; k < offset + part.dimension; k++) {
      const x = (embedding[k] as number) * scale;
      vector[k] = x;
      squares += x * x;
    }
    offset += part.dimension;
  }
  return { vector, norm: Math.sqrt(squares) };
}

/** Search's score of a face from a store's cosine with the reweighted probe. */
export function searchScore(cosine: number, probe: SearchProbe): number {
  return cosine * probe.norm;
}
