/** Batched model runs shared by the detector families. */
import type * as ort from 'onnxruntime-node';
import type { Candidate } from '../geometry.ts';
import { type LoadedModel, toInputTensor } from '../models.ts';

/**
 * Views per model run: batching saves per-run overhead, but onnxruntime's arena grows with the batch
 * (one run of ~35 tiles took a process from 273 to 638 MB).
 */
export const MAX_BATCH = 8;

/** Model runs of up to MAX_BATCH views where the batch is dynamic, else one run per view. */
export async function runBatch(
  model: LoadedModel,
  batch: readonly Uint8Array[],
  decode: (result: ort.InferenceSession.OnnxValueMapType, index: number) => Candidate[],
): Promise<Candidate[][]> {
  const size = model.spec.input.shape[0] === -1 ? MAX_BATCH : 1;
  const out: Candidate[][] = [];
  for (let start = 0; start < batch.length; start += size) {
    const chunk = batch.slice(start, start + size);
    const result = await model.session.run({ input: toInputTensor(model.spec, chunk) });
    out.push(...chunk.map((_, i) => decode(result, i)));
  }
  return out;
}

/** Item `index` of a batched output. */
export function item(tensor: ort.Tensor, index: number): Float32Array {
  const data = tensor.data as Float32Array;
  const size = data.length / (tensor.dims[0] as number);
  return data.subarray(index * size, (index + 1) * size);
}
