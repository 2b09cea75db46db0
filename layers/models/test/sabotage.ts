/** Deliberate conversion mistakes, for the tests that prove the equivalence checks can fail. */
import type { Tensor } from '../src/tfjs-weights.ts';

/** HWIO with H and W swapped: the classic filter-layout mistake. */
export function swapSpatialAxes(filter: Tensor): Tensor {
  const [h = 1, w = 1, i = 1, o = 1] = filter.shape;
  const data = new Float32Array(filter.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < i * o; k++)
        data[(x * h + y) * i * o + k] = filter.data[(y * w + x) * i * o + k] ?? 0;
  return { ...filter, shape: [w, h, i, o], data };
}
