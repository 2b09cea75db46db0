/** How closely a converted model's output follows its original's. */

export interface Agreement {
  maxDiff: number;
  /** The reference output's spread (max − min) the difference is judged against. */
  range: number;
  cosine: number;
  /** Cosine once a centre (e.g. the mean reference output over all photos) is taken from both sides. */
  centredCosine: number;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>, centre?: ArrayLike<number>): number {
  let [dot, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) - (centre?.[i] ?? 0);
    const y = (b[i] as number) - (centre?.[i] ?? 0);
    [dot, aa, bb] = [dot + x * y, aa + x * x, bb + y * y];
  }
  return dot / Math.sqrt(aa * bb);
}

/** `range` defaults to the expected output's own spread. */
export function agreement(
  actual: Float32Array | undefined,
  expected: Float32Array,
  options: { centre?: Float32Array; range?: number } = {},
): Agreement {
  let [maxDiff, min, max] = [0, Infinity, -Infinity];
  expected.forEach((e, i) => {
    maxDiff = Math.max(maxDiff, Math.abs((actual?.[i] ?? Number.NaN) - e));
    [min, max] = [Math.min(min, e), Math.max(max, e)];
  });
  // NaN never compares, so a NaN anywhere must fail explicitly.
  if (actual?.length !== expected.length || Number.isNaN(maxDiff)) maxDiff = Number.POSITIVE_INFINITY;
  const a = actual ?? new Float32Array(expected.length);
  return {
    maxDiff,
    range: options.range ?? max - min,
    cosine: cosine(a, expected),
    centredCosine: cosine(a, expected, options.centre),
  };
}

/** The mean of several outputs of one shape. */
export function mean(outputs: readonly Float32Array[]): Float32Array {
  const m = new Float32Array(outputs[0]?.length ?? 0);
  for (const v of outputs)
    for (let i = 0; i < v.length; i++) m[i] = (m[i] ?? 0) + (v[i] ?? 0) / outputs.length;
  return m;
}
