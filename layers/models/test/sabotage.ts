/** Deliberate conversion mistakes, for the tests that prove the equivalence checks can fail. */
import type { GraphBuilder } from '../src/onnx.ts';
import type { Tensor } from '../src/tfjs-weights.ts';
import { floatData, type TfliteTensor } from '../src/tflite-schema.ts';

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

/** A TensorFlow Lite convolution filter (OHWI, or 1HWC for depthwise) with H and W swapped. */
export function swapTfliteSpatialAxes(filter: TfliteTensor): TfliteTensor {
  const [o = 1, h = 1, w = 1, i = 1] = filter.shape;
  const src = floatData(filter);
  const data = new Float32Array(src.length);
  for (let n = 0; n < o; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < i; k++)
          data[((n * w + x) * h + y) * i + k] = src[((n * h + y) * w + x) * i + k] ?? 0;
  return { ...filter, shape: [o, w, h, i], data: new Uint8Array(data.buffer) };
}

/** TensorFlow's SAME padding put at the start (ONNX's SAME_LOWER) instead of the end, in every op. */
export function sameAtStart(g: GraphBuilder): GraphBuilder {
  for (const node of g.nodes) if (node.attrs.auto_pad === 'SAME_UPPER') node.attrs.auto_pad = 'SAME_LOWER';
  return g;
}
