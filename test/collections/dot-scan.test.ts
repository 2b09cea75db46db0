import { describe, expect, it } from 'vitest';
import { RowScanner } from '../../functions/collections/dot-scan.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

function rows(count: number, dimension: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => new Float32Array(dimension).map(() => random() * 2 - 1));
}

/** The reference: a float64 dot of the same float32 numbers. */
function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += (a[k] as number) * (b[k] as number);
  return sum;
}

describe('RowScanner', () => {
  it.each([1, 3, 6, 128, 320])('scores every row as a float64 dot does (dimension %i)', (dimension) => {
    const scanner = new RowScanner(dimension);
    // 200 rows: the memory grows past its first capacity (64 rows) and keeps the rows already in.
    const matrix = rows(200, dimension, dimension);
    for (const row of matrix) scanner.append(row);
    const [probe] = rows(1, dimension, 1000 + dimension) as [Float32Array];
    const scores = scanner.scan(probe);
    expect(scores).toHaveLength(200);
    matrix.forEach((row, i) => {
      expect(Math.abs((scores[i] as number) - dot(row, probe))).toBeLessThan(1e-6 * dimension);
    });
  });

  it('scans an empty matrix to no scores, and a probe leaves no trace in the next scan', () => {
    const scanner = new RowScanner(5);
    expect(scanner.scan(new Float32Array([1, 2, 3, 4, 5]))).toHaveLength(0);
    scanner.append(new Float32Array([1, 0, 0, 0, 0]));
    scanner.append(new Float32Array([0, 0, 0, 0, 2]));
    expect([...scanner.scan(new Float32Array([3, 0, 0, 0, 1]))]).toEqual([3, 2]);
    expect([...scanner.scan(new Float32Array([0, 0, 0, 0, -1]))]).toEqual([0, -2]);
  });
});
