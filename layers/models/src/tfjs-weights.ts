/** Reads TensorFlow.js weight manifests and binary shards, dequantising exactly as TensorFlow.js does. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface Tensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: Quantization;
}

export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Loads every weight of a manifest whose shards sit beside `manifestFile`. */
export async function loadWeights(manifestFile: string, groups: WeightGroup[]): Promise<Map<string, Tensor>> {
  const weights = new Map<string, Tensor>();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(manifestFile), p))));
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const entry of group.weights) {
      const count = size(entry.shape);
      const byteLength = count * (BYTES[entry.quantization?.dtype ?? entry.dtype] ?? 0);
      if (offset + byteLength > buffer.length)
        throw new Error(`${manifestFile}: shard too short for ${entry.name}`);
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, byteLength);
      weights.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: decode(entry, bytes.slice()) });
      offset += byteLength;
    }
    if (offset !== buffer.length) throw new Error(`${manifestFile}: ${buffer.length - offset} unread bytes`);
  }
  return weights;
}

function decode(entry: WeightEntry, bytes: Uint8Array): Float32Array | Int32Array {
  const q = entry.quantization;
  if (!q) return entry.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  if (q.dtype === 'float16') return Float32Array.from(new Uint16Array(bytes.buffer), halfToFloat);
  const values = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer);
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  // TensorFlow.js computes v * scale + min in double precision and stores it as float32, or for
  // int32 weights rounds it to the nearest integer (an Int32Array alone would truncate 0.5 to 0).
  if (entry.dtype === 'int32') return Int32Array.from(values, (v) => Math.round(v * scale + min));
  return Float32Array.from(values, (v) => v * scale + min);
}

/** IEEE 754 half precision to a double; exact for every half value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
