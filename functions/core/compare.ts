/** Comparing embeddings: cosine similarity, the match decision, and the estimated false-accept rate of a score. */

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding sizes differ: ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Cosine similarity's range, so the range of a threshold a caller may set. */
export const SIMILARITY_RANGE = { min: -1, max: 1 } as const;

/** Similarities and thresholds are answered to 4 decimals: more would be noise. */
export function roundSimilarity(similarity: number): number {
  return Math.round(similarity * 1e4) / 1e4;
}

/** A false-accept rate to two significant digits: the curve is an estimate from a sample. */
export function roundFar(far: number): number {
  return Number(far.toPrecision(2));
}

/** A pair matches when its similarity reaches the threshold. */
export function isMatch(similarity: number, threshold: number): boolean {
  return similarity >= threshold;
}

/** The verdict in words, as the CLI prints it and the page shows it. */
export function verdictLabel(match: boolean): string {
  return match ? 'Same person' : 'Different people';
}

/**
 * The decimals a verdict prints its two numbers with: two, unless that would print a tie that is not
 * one (0.8999 against 0.9000). The one rounding of the CLI and the page.
 */
export function verdictDigits(similarity: number, threshold: number): number {
  return similarity.toFixed(2) === threshold.toFixed(2) && similarity !== threshold ? 4 : 2;
}

/** `similarity 0.93 ≥ threshold 0.90`, or `<` when `match` is false. */
export function describeComparison(similarity: number, threshold: number, match: boolean): string {
  const digits = verdictDigits(similarity, threshold);
  return `similarity ${similarity.toFixed(digits)} ${match ? '≥' : '<'} threshold ${threshold.toFixed(digits)}`;
}

/** One point of a calibration's false-accept curve: a share `far` of impostor pairs scored ≥ `similarity`. */
export interface FarPoint {
  similarity: number;
  far: number;
}

/**
 * The estimated false-accept rate of a similarity: how often two different people score at least
 * this high, read off the calibration's curve (similarity ascending, far descending) and interpolated
 * log-linearly between its points. Beyond the curve's last point the rate is too rare to have been
 * measured, so its last (smallest) rate is returned as an upper bound.
 */
export function estimateFar(similarity: number, curve: readonly FarPoint[]): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) throw new RangeError('estimateFar needs a calibrated curve');
  if (!(similarity > first.similarity)) return first.far;
  if (similarity >= last.similarity) return last.far;
  const upper = curve.findIndex((p) => p.similarity > similarity);
  const lo = curve[upper - 1] as FarPoint;
  const hi = curve[upper] as FarPoint;
  const t = (similarity - lo.similarity) / (hi.similarity - lo.similarity);
  return Math.exp(Math.log(lo.far) + t * (Math.log(hi.far) - Math.log(lo.far)));
}

/**
 * The inverse of estimateFar: the smallest similarity whose estimated false-accept rate is at most
 * `far`, on the same log-linear reading of the curve. A rate at or above the curve's first is met by
 * its first similarity; a rate rarer than its last cannot be certified by the curve, and its last
 * similarity (the rarest rate it measured) is the limit.
 */
export function similarityAtFar(far: number, curve: readonly FarPoint[]): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) throw new RangeError('similarityAtFar needs a calibrated curve');
  if (!(far < first.far)) return first.similarity;
  const upper = curve.findIndex((p) => p.far <= far);
  if (upper < 0) return last.similarity;
  const lo = curve[upper - 1] as FarPoint;
  const hi = curve[upper] as FarPoint;
  const t = (Math.log(far) - Math.log(lo.far)) / (Math.log(hi.far) - Math.log(lo.far));
  return lo.similarity + t * (hi.similarity - lo.similarity);
}

/** A chance as `1 in 8,300` (two significant figures); undefined when it is about every time, or not known. */
export function oneIn(chance: number): string | undefined {
  const once = Number((1 / chance).toPrecision(2));
  return chance > 0 && once > 1 ? `1 in ${once.toLocaleString('en-US')}` : undefined;
}

/** A false-accept rate in words: `about 1 in 8,300 pairs of different people score this high`. */
export function describeFar(far: number): string {
  if (!(far > 0)) return 'no false-accept rate is calibrated for this score';
  const odds = oneIn(far);
  return odds
    ? `about ${odds} pairs of different people score this high`
    : 'most pairs of different people score this high';
}
