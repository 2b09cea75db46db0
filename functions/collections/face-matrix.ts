/**
 * Exact search in memory: one collection's embeddings as the rows of a RowScanner (dot-scan.ts), scanned
 * in full for each probe (cosine similarity), best face per person, the top people kept. Measured
 * faster than sqlite-vec's scan of the same rows (docs/collections.md); a store keeps it in step with
 * its rows.
 */
import { RowScanner } from './dot-scan.ts';

/**
 * `F` is whatever the store keeps per face (handed back for the faces found, so a store can defer
 * building its records until then).
 */
export class FaceMatrix<F> {
  /** Each face's embedding scaled to unit length, so a row's dot product with the probe is the cosine. */
  private readonly rows: RowScanner;
  /** Per face: the index of its person in `people`. */
  private personOf = new Int32Array(0);
  private readonly faces: F[] = [];
  private readonly people: string[] = [];
  private readonly personIndex = new Map<string, number>();

  constructor(readonly dimension: number) {
    this.rows = new RowScanner(dimension);
  }

  get size(): number {
    return this.faces.length;
  }

  append(externalId: string, face: F, embedding: Float32Array): void {
    if (embedding.length !== this.dimension) {
      throw new RangeError(`embedding of length ${embedding.length}, expected ${this.dimension}`);
    }
    const n = this.faces.length;
    if (n === this.personOf.length) this.grow(Math.max(64, n * 2));
    const scale = 1 / Math.sqrt(squaredLength(embedding));
    this.rows.append(embedding.map((x) => x * scale));
    let person = this.personIndex.get(externalId);
    if (person === undefined) {
      person = this.people.length;
      this.people.push(externalId);
      this.personIndex.set(externalId, person);
    }
    this.personOf[n] = person;
    this.faces.push(face);
  }

  /** The `maxResults` people most similar to the probe, each by their best face, similarity descending. */
  nearestPeople(probe: Float32Array, maxResults: number): { face: F; similarity: number }[] {
    if (probe.length !== this.dimension) {
      throw new RangeError(`probe of length ${probe.length}, expected ${this.dimension}`);
    }
    const probeScale = 1 / Math.sqrt(squaredLength(probe));
    // Raw dot products are compared (the probe's scale is the same for every row) and scaled at the end.
    const scores = this.rows.scan(probe);
    const best = new Float64Array(this.people.length).fill(Number.NEGATIVE_INFINITY);
    const bestFace = new Int32Array(this.people.length);
    const { personOf } = this;
    for (let i = 0; i < scores.length; i++) {
      const score = scores[i] as number;
      const person = personOf[i] as number;
      if (score > (best[person] as number)) {
        best[person] = score;
        bestFace[person] = i;
      }
    }
    return topPeople(best, Math.min(maxResults, this.people.length)).map((person) => ({
      face: this.faces[bestFace[person] as number] as F,
      similarity: (best[person] as number) * probeScale,
    }));
  }

  private grow(capacity: number): void {
    const personOf = new Int32Array(capacity);
    personOf.set(this.personOf);
    this.personOf = personOf;
  }
}

function squaredLength(v: Float32Array): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return sum;
}

/** Indices of the `k` largest scores, largest first (ties: lower index first); k is small (≤ 100). */
export function topPeople(scores: Float64Array, k: number): number[] {
  const top: number[] = [];
  if (k <= 0) return top;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (top.length === k && score <= (scores[top[k - 1] as number] as number)) continue;
    let at = top.length;
    while (at > 0 && score > (scores[top[at - 1] as number] as number)) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}
