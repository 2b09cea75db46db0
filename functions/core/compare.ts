/** Comparing embeddings: cosine similarity, the match decision, and fitting a threshold on labelled pairs. */

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

/** A pair matches when its similarity reaches the threshold. */
export function isMatch(similarity: number, threshold: number): boolean {
  return similarity >= threshold;
}

export interface LabelledScore {
  similarity: number;
  same: boolean;
}

export function accuracy(scores: readonly LabelledScore[], threshold: number): number {
  if (scores.length === 0) return 0;
  return scores.filter((s) => isMatch(s.similarity, threshold) === s.same).length / scores.length;
}

/**
 * The threshold with the best accuracy on the pairs: the midpoint between the two neighbouring
 * similarities where accuracy peaks (the widest margin among equally good cuts is not chased).
 */
export function fitThreshold(scores: readonly LabelledScore[]): { threshold: number; accuracy: number } {
  if (scores.length === 0) throw new RangeError('fitThreshold needs labelled pairs');
  const sorted = [...scores].sort((p, q) => p.similarity - q.similarity);
  // Cut below everything: all pairs called "same".
  let correct = sorted.filter((s) => s.same).length;
  let best = { correct, index: 0 };
  for (let i = 0; i < sorted.length; i++) {
    // Moving the cut above sorted[i] flips it to "different".
    correct += (sorted[i] as LabelledScore).same ? -1 : 1;
    const nextDiffers =
      i + 1 === sorted.length ||
      (sorted[i + 1] as LabelledScore).similarity !== (sorted[i] as LabelledScore).similarity;
    if (nextDiffers && correct > best.correct) best = { correct, index: i + 1 };
  }
  const below = sorted[best.index - 1]?.similarity;
  const above = sorted[best.index]?.similarity;
  const threshold =
    below === undefined ? (above as number) - 1e-6 : above === undefined ? below + 1e-6 : (below + above) / 2;
  return { threshold, accuracy: best.correct / sorted.length };
}

/**
 * True-accept rate at a false-accept rate: the threshold is the smallest one that accepts at most
 * `far` of the different-person pairs.
 */
export function tarAtFar(scores: readonly LabelledScore[], far: number): { tar: number; threshold: number } {
  const impostors = scores
    .filter((s) => !s.same)
    .map((s) => s.similarity)
    .sort((a, b) => b - a);
  const genuine = scores.filter((s) => s.same).map((s) => s.similarity);
  if (impostors.length === 0 || genuine.length === 0)
    throw new RangeError('tarAtFar needs both kinds of pairs');
  const allowed = Math.floor(far * impostors.length);
  // Accept strictly above the (allowed+1)-th highest impostor score.
  const threshold = (impostors[allowed] as number) + 1e-9;
  return { tar: genuine.filter((g) => g >= threshold).length / genuine.length, threshold };
}
