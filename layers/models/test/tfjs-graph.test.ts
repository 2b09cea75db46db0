/**
 * The converter op by op: each case builds a tiny TensorFlow.js graph model in memory (a topology of
 * TensorFlow nodes plus seeded random weights), runs it in TensorFlow.js itself (wasm backend) and,
 * converted, in onnxruntime, on the same seeded random input with a batch of two. TensorFlow.js
 * interprets the very attributes our converter reads, so a misread attribute shows up as a mismatch.
 * Also: the weight loader's float16 and uint8/uint16 dequantisation against TensorFlow.js's decoder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../scripts/seeded-random.ts';
import { convertTfjsGraph, filterToOnnx, type TfGraph, type TfNode } from '../src/tfjs-graph.ts';
import { halfToFloat, loadWeights, type Tensor, type WeightEntry } from '../src/tfjs-weights.ts';
import { tf } from './tfjs-reference.ts';

/** max |onnx − tfjs| ≤ TOLERANCE × max |tfjs|. */
const TOLERANCE = 1e-5;
const BATCH = 2;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** TensorFlow attribute values, encoded as the TF.js converter writes them (strings in base64). */
const attr = {
  s: (value: string) => ({ s: b64(value) }),
  i: (value: number) => ({ i: String(value) }),
  f: (value: number) => ({ f: value }),
  b: (value: boolean) => ({ b: value }),
  ints: (values: number[]) => ({ list: { i: values.map(String) } }),
  strings: (values: string[]) => ({ list: { s: values.map(b64) } }),
  float: { type: 'DT_FLOAT' },
  int32: { type: 'DT_INT32' },
};

type Attrs = NonNullable<TfNode['attr']>;

/** A TensorFlow graph under construction: one float input `x`, constants, ops. */
class TinyGraph {
  readonly nodes: TfNode[] = [];
  readonly weights = new Map<string, Tensor>();
  private counter = 0;
  private readonly rand: () => number;

  /** `shape` is the input's, batch first; its batch dimension is dynamic (-1) unless `fixedBatch`. */
  constructor(
    readonly inputShape: number[],
    seed: number,
    fixedBatch = false,
  ) {
    this.rand = seededRandom(seed);
    const dims = inputShape.map((d, i) => ({ size: String(i === 0 && !fixedBatch ? -1 : d) }));
    this.nodes.push({
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: attr.float, shape: { shape: { dim: dims } } as never },
    });
  }

  /** Uniform random numbers in [lo, hi). */
  uniform(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rand());
  }

  /** A float constant, random unless given. */
  weight(shape: number[], values?: number[] | Float32Array, lo = -1, hi = 1): string {
    const data = values ? Float32Array.from(values) : this.uniform(count(shape), lo, hi);
    return this.constant('float32', shape, data);
  }

  /** An int32 constant (shapes, axes, paddings, sizes). */
  ints(values: number[], shape: number[] = [values.length]): string {
    return this.constant('int32', shape, Int32Array.from(values));
  }

  op(op: string, inputs: string[], attrs: Attrs = {}): string {
    const name = `${op}_${++this.counter}`;
    this.nodes.push({ name, op, input: inputs, attr: { T: attr.float, ...attrs } });
    return name;
  }

  private constant(dtype: 'float32' | 'int32', shape: number[], data: Float32Array | Int32Array): string {
    const name = `const_${++this.counter}`;
    const type = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: { type },
        value: { tensor: { dtype: type, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
      },
    });
    this.weights.set(name, { dtype, shape, data });
    return name;
  }
}

/** The graph as TF.js loads it from memory: topology, weight specs, one weight buffer. */
async function tfjsModel(g: TinyGraph): Promise<tf.GraphModel> {
  const weights = [...g.weights.entries()];
  const bytes = Buffer.concat(
    weights.map(([, t]) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  );
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: { node: g.nodes, versions: {} },
      weightSpecs: weights.map(([name, t]) => ({ name, shape: t.shape, dtype: t.dtype })),
      weightData: new Uint8Array(bytes).buffer,
      format: 'graph-model',
    }),
  );
}

interface Case {
  name: string;
  inputShape: number[];
  build: (g: TinyGraph, x: string) => string;
  /** Input value range. */
  range?: [number, number];
  fixedBatch?: boolean;
}

const SAME = { padding: attr.s('SAME') };
const VALID = { padding: attr.s('VALID') };
const strides = (s: number) => ({ strides: attr.ints([1, s, s, 1]) });
/** Fused ops take the bias, then PReLU's alphas, as extra inputs. */
const fused = (...ops: string[]) => ({
  fused_ops: attr.strings(ops),
  num_args: attr.i(ops.filter((op) => op === 'BiasAdd' || op === 'Prelu').length),
});

/** A k×k (or kh×kw) convolution from cin to cout channels with the given attributes and extra inputs. */
function conv(
  g: TinyGraph,
  x: string,
  op: string,
  [kh, kw, cin, cout]: number[],
  attrs: Attrs,
  extra: string[] = [],
): string {
  return g.op(op, [x, g.weight([kh ?? 1, kw ?? 1, cin ?? 1, cout ?? 1]), ...extra], {
    dilations: attr.ints([1, 1, 1, 1]),
    data_format: attr.s('NHWC'),
    ...attrs,
  });
}

const CASES: Case[] = [
  // Convolutions; a non-square kernel catches a swapped H/W in the filter layout.
  {
    name: 'Conv2D SAME',
    inputShape: [BATCH, 7, 7, 3],
    build: (g, x) => conv(g, x, 'Conv2D', [3, 3, 3, 4], { ...SAME, ...strides(1) }),
  },
  {
    name: 'Conv2D SAME 3×2 kernel',
    inputShape: [BATCH, 6, 7, 3],
    build: (g, x) => conv(g, x, 'Conv2D', [3, 2, 3, 4], { ...SAME, ...strides(1) }),
  },
  {
    name: 'Conv2D VALID stride 2',
    inputShape: [BATCH, 9, 8, 3],
    build: (g, x) => conv(g, x, 'Conv2D', [3, 3, 3, 5], { ...VALID, ...strides(2) }),
  },
  {
    name: 'Conv2D SAME stride 2, even size',
    inputShape: [BATCH, 8, 8, 3],
    build: (g, x) => conv(g, x, 'Conv2D', [3, 3, 3, 4], { ...SAME, ...strides(2) }),
  },
  {
    name: 'Conv2D SAME stride 2, odd size',
    inputShape: [BATCH, 7, 9, 2],
    build: (g, x) => conv(g, x, 'Conv2D', [4, 4, 2, 3], { ...SAME, ...strides(2) }),
  },
  {
    name: 'Conv2D EXPLICIT padding, asymmetric',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, 'Conv2D', [3, 3, 3, 4], {
        padding: attr.s('EXPLICIT'),
        explicit_paddings: attr.ints([0, 0, 1, 2, 2, 0, 0, 0]),
        ...strides(1),
      }),
  },
  {
    name: 'Conv2D SAME dilation 2',
    inputShape: [BATCH, 9, 8, 2],
    build: (g, x) =>
      conv(g, x, 'Conv2D', [3, 3, 2, 3], { ...SAME, ...strides(1), dilations: attr.ints([1, 2, 2, 1]) }),
  },
  {
    name: 'Conv2D SAME dilation 3×2, 2×3 kernel',
    inputShape: [BATCH, 9, 8, 2],
    build: (g, x) =>
      conv(g, x, 'Conv2D', [2, 3, 2, 3], { ...SAME, ...strides(1), dilations: attr.ints([1, 3, 2, 1]) }),
  },
  {
    name: 'Conv2D VALID dilation 2',
    inputShape: [BATCH, 9, 8, 2],
    build: (g, x) =>
      conv(g, x, 'Conv2D', [3, 3, 2, 3], { ...VALID, ...strides(1), dilations: attr.ints([1, 2, 2, 1]) }),
  },
  {
    name: '_FusedConv2D BiasAdd',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...SAME, ...strides(1), ...fused('BiasAdd') }, [
        g.weight([4]),
      ]),
  },
  {
    name: '_FusedConv2D BiasAdd+Relu',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...VALID, ...strides(2), ...fused('BiasAdd', 'Relu') }, [
        g.weight([4]),
      ]),
  },
  {
    name: '_FusedConv2D BiasAdd+Relu6',
    inputShape: [BATCH, 6, 6, 3],
    range: [-4, 4],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...SAME, ...strides(1), ...fused('BiasAdd', 'Relu6') }, [
        g.weight([4]),
      ]),
  },
  {
    name: '_FusedConv2D BiasAdd+Prelu',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...SAME, ...strides(1), ...fused('BiasAdd', 'Prelu') }, [
        g.weight([4]),
        g.weight([4], undefined, 0, 0.5),
      ]),
  },
  {
    name: '_FusedConv2D BiasAdd+LeakyRelu',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(
        g,
        x,
        '_FusedConv2D',
        [3, 3, 3, 4],
        { ...SAME, ...strides(1), ...fused('BiasAdd', 'LeakyRelu'), leakyrelu_alpha: attr.f(0.1) },
        [g.weight([4])],
      ),
  },
  {
    name: '_FusedConv2D BiasAdd+Sigmoid',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...SAME, ...strides(1), ...fused('BiasAdd', 'Sigmoid') }, [
        g.weight([4]),
      ]),
  },
  {
    name: '_FusedConv2D BiasAdd+Elu',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, '_FusedConv2D', [3, 3, 3, 4], { ...SAME, ...strides(1), ...fused('BiasAdd', 'Elu') }, [
        g.weight([4]),
      ]),
  },
  {
    name: 'DepthwiseConv2dNative SAME',
    inputShape: [BATCH, 7, 7, 4],
    build: (g, x) => conv(g, x, 'DepthwiseConv2dNative', [3, 3, 4, 1], { ...SAME, ...strides(1) }),
  },
  {
    name: 'DepthwiseConv2dNative channel multiplier 2, VALID stride 2, 3×2 kernel',
    inputShape: [BATCH, 8, 7, 3],
    build: (g, x) => conv(g, x, 'DepthwiseConv2dNative', [3, 2, 3, 2], { ...VALID, ...strides(2) }),
  },
  {
    name: 'DepthwiseConv2dNative channel multiplier 3, SAME stride 2',
    inputShape: [BATCH, 7, 7, 2],
    build: (g, x) => conv(g, x, 'DepthwiseConv2dNative', [3, 3, 2, 3], { ...SAME, ...strides(2) }),
  },
  {
    name: 'DepthwiseConv2dNative SAME dilation 2',
    inputShape: [BATCH, 8, 8, 3],
    build: (g, x) =>
      conv(g, x, 'DepthwiseConv2dNative', [3, 3, 3, 1], {
        ...SAME,
        ...strides(1),
        dilations: attr.ints([1, 2, 2, 1]),
      }),
  },
  {
    name: 'DepthwiseConv2dNative EXPLICIT padding',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(g, x, 'DepthwiseConv2dNative', [3, 3, 3, 1], {
        padding: attr.s('EXPLICIT'),
        explicit_paddings: attr.ints([0, 0, 2, 1, 0, 1, 0, 0]),
        ...strides(1),
      }),
  },
  {
    name: 'FusedDepthwiseConv2dNative BiasAdd+Relu6, channel multiplier 2',
    inputShape: [BATCH, 6, 6, 3],
    range: [-4, 4],
    build: (g, x) =>
      conv(
        g,
        x,
        'FusedDepthwiseConv2dNative',
        [3, 3, 3, 2],
        { ...SAME, ...strides(1), ...fused('BiasAdd', 'Relu6') },
        [g.weight([6])],
      ),
  },
  {
    name: 'FusedDepthwiseConv2dNative BiasAdd+Prelu',
    inputShape: [BATCH, 6, 6, 3],
    build: (g, x) =>
      conv(
        g,
        x,
        'FusedDepthwiseConv2dNative',
        [3, 3, 3, 1],
        { ...SAME, ...strides(2), ...fused('BiasAdd', 'Prelu') },
        [g.weight([3]), g.weight([3], undefined, 0, 0.5)],
      ),
  },
  {
    name: 'FusedDepthwiseConv2dNative BiasAdd',
    inputShape: [BATCH, 6, 6, 4],
    build: (g, x) =>
      conv(
        g,
        x,
        'FusedDepthwiseConv2dNative',
        [3, 3, 4, 1],
        { ...VALID, ...strides(1), ...fused('BiasAdd') },
        [g.weight([4])],
      ),
  },

  // Matrix products.
  { name: 'MatMul', inputShape: [BATCH, 5], build: (g, x) => g.op('MatMul', [x, g.weight([5, 4])]) },
  {
    name: 'MatMul transpose_b',
    inputShape: [BATCH, 5],
    build: (g, x) => g.op('MatMul', [x, g.weight([4, 5])], { transpose_b: attr.b(true) }),
  },
  {
    name: 'MatMul transpose_a',
    inputShape: [3, 5],
    fixedBatch: true,
    build: (g, x) => g.op('MatMul', [x, g.weight([3, 4])], { transpose_a: attr.b(true) }),
  },
  {
    name: '_FusedMatMul BiasAdd',
    inputShape: [BATCH, 5],
    build: (g, x) => g.op('_FusedMatMul', [x, g.weight([5, 4]), g.weight([4])], fused('BiasAdd')),
  },
  {
    name: '_FusedMatMul BiasAdd+Relu, transpose_b',
    inputShape: [BATCH, 6],
    build: (g, x) =>
      g.op('_FusedMatMul', [x, g.weight([3, 6]), g.weight([3])], {
        ...fused('BiasAdd', 'Relu'),
        transpose_b: attr.b(true),
      }),
  },

  // Pooling and padding.
  {
    name: 'MaxPool SAME 3×3 stride 2, odd size',
    inputShape: [BATCH, 7, 9, 3],
    build: (g, x) => g.op('MaxPool', [x], { ...SAME, ...strides(2), ksize: attr.ints([1, 3, 3, 1]) }),
  },
  {
    name: 'MaxPool SAME 2×2 stride 2, odd size',
    inputShape: [BATCH, 7, 7, 3],
    range: [-3, -1],
    build: (g, x) => g.op('MaxPool', [x], { ...SAME, ...strides(2), ksize: attr.ints([1, 2, 2, 1]) }),
  },
  {
    name: 'MaxPool VALID 2×2 stride 2, odd size',
    inputShape: [BATCH, 7, 7, 3],
    build: (g, x) => g.op('MaxPool', [x], { ...VALID, ...strides(2), ksize: attr.ints([1, 2, 2, 1]) }),
  },
  {
    name: 'Pad',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Pad', [x, g.ints([0, 0, 1, 2, 3, 0, 0, 1], [4, 2])]),
  },
  {
    name: 'PadV2 with a constant value',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('PadV2', [x, g.ints([0, 0, 2, 1, 0, 3, 0, 0], [4, 2]), g.weight([], [0.5])]),
  },

  // Reductions.
  {
    name: 'Mean over H, W keep_dims',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Mean', [x, g.ints([1, 2])], { keep_dims: attr.b(true) }),
  },
  {
    name: 'Mean over H, W',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Mean', [x, g.ints([1, 2])], { keep_dims: attr.b(false) }),
  },
  {
    name: 'Mean over a scalar axis -1',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Mean', [x, g.ints([-1], [])], { keep_dims: attr.b(false) }),
  },
  {
    name: 'Sum over C keep_dims',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Sum', [x, g.ints([3])], { keep_dims: attr.b(true) }),
  },
  {
    name: 'Sum over H, C',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) => g.op('Sum', [x, g.ints([1, -1])], { keep_dims: attr.b(false) }),
  },

  // Resampling.
  ...(
    [
      ['half_pixel_centers', [5, 5], [10, 10]],
      ['half_pixel_centers', [8, 7], [5, 3]],
      ['half_pixel_centers', [4, 6], [7, 9]],
      ['align_corners', [5, 5], [9, 9]],
      ['align_corners', [4, 6], [7, 4]],
      ['neither', [5, 5], [8, 8]],
      ['neither', [6, 4], [4, 7]],
    ] as const
  ).map(
    ([mode, [h, w], size]): Case => ({
      name: `ResizeBilinear ${mode} ${h}×${w} → ${size.join('×')}`,
      inputShape: [BATCH, h, w, 3],
      build: (g, x) =>
        g.op('ResizeBilinear', [x, g.ints([...size])], {
          align_corners: attr.b(mode === 'align_corners'),
          half_pixel_centers: attr.b(mode === 'half_pixel_centers'),
        }),
    }),
  ),
  {
    name: 'DepthToSpace block 2',
    inputShape: [BATCH, 3, 4, 8],
    build: (g, x) => g.op('DepthToSpace', [x], { block_size: attr.i(2), data_format: attr.s('NHWC') }),
  },

  // Slicing, stacking, reshaping.
  {
    name: 'StridedSlice with begin/end masks, negative bounds, stride 2',
    inputShape: [BATCH, 6, 7, 5],
    build: (g, x) =>
      g.op('StridedSlice', [x, g.ints([1, 1, -5, 0]), g.ints([0, 6, -1, 3]), g.ints([1, 2, 1, 1])], {
        begin_mask: attr.i(0b0001),
        end_mask: attr.i(0b0001),
      }),
  },
  {
    name: 'StridedSlice shrinking the last channel (begin -1)',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) =>
      g.op('StridedSlice', [x, g.ints([0, 0, 0, -1]), g.ints([0, 0, 0, 0]), g.ints([1, 1, 1, 1])], {
        begin_mask: attr.i(0b0111),
        end_mask: attr.i(0b0111),
        shrink_axis_mask: attr.i(0b1000),
      }),
  },
  {
    name: 'StridedSlice shrinking two axes (begin 2 and -2)',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) =>
      g.op('StridedSlice', [x, g.ints([0, 2, -2]), g.ints([0, 3, -1]), g.ints([1, 1, 1])], {
        begin_mask: attr.i(0b001),
        end_mask: attr.i(0b001),
        shrink_axis_mask: attr.i(0b110),
      }),
  },
  {
    name: 'StridedSlice reversing with stride -1 and masks',
    inputShape: [BATCH, 4, 5, 3],
    build: (g, x) =>
      g.op('StridedSlice', [x, g.ints([0, 0, 0, 0]), g.ints([0, 0, 0, 0]), g.ints([1, 1, -1, -1])], {
        begin_mask: attr.i(0b1111),
        end_mask: attr.i(0b1111),
      }),
  },
  {
    name: 'StridedSlice with stride -2 from an explicit begin',
    inputShape: [BATCH, 4, 9, 3],
    build: (g, x) =>
      g.op('StridedSlice', [x, g.ints([0, 0, 7]), g.ints([0, 0, 1]), g.ints([1, 1, -2])], {
        begin_mask: attr.i(0b011),
        end_mask: attr.i(0b011),
      }),
  },
  {
    name: 'Pack on a new axis 1',
    inputShape: [BATCH, 4, 3],
    build: (g, x) => g.op('Pack', [x, g.op('Abs', [x]), g.op('Neg', [x])], { N: attr.i(3), axis: attr.i(1) }),
  },
  {
    name: 'Pack on a new last axis (-1)',
    inputShape: [BATCH, 4, 3],
    build: (g, x) => g.op('Pack', [x, g.op('Abs', [x])], { N: attr.i(2), axis: attr.i(-1) }),
  },
  {
    name: 'ConcatV2 on channels',
    inputShape: [BATCH, 3, 4, 2],
    build: (g, x) => g.op('ConcatV2', [x, g.op('Abs', [x]), g.ints([3], [])], { N: attr.i(2) }),
  },
  {
    name: 'ConcatV2 on axis -3',
    inputShape: [BATCH, 3, 4, 2],
    build: (g, x) => g.op('ConcatV2', [g.op('Neg', [x]), x, x, g.ints([-3], [])], { N: attr.i(3) }),
  },
  {
    name: 'Shape → StridedSlice → Pack → Reshape (dynamic batch)',
    inputShape: [BATCH, 4, 4, 6],
    build: (g, x) => {
      const shape = g.op('Shape', [x], { out_type: attr.int32 });
      const batch = g.op('StridedSlice', [shape, g.ints([0]), g.ints([1]), g.ints([1])], {
        T: attr.int32,
        Index: attr.int32,
        shrink_axis_mask: attr.i(1),
      });
      const newShape = g.op('Pack', [batch, g.ints([-1], []), g.ints([3], [])], {
        T: attr.int32,
        N: attr.i(3),
        axis: attr.i(0),
      });
      return g.op('Reshape', [x, newShape], { Tshape: attr.int32 });
    },
  },
  {
    name: 'Reshape to a constant shape with -1',
    inputShape: [BATCH, 4, 3, 2],
    build: (g, x) => g.op('Reshape', [x, g.ints([-1, 6, 4])], { Tshape: attr.int32 }),
  },
  {
    name: 'Squeeze squeeze_dims [1, 2]',
    inputShape: [BATCH, 1, 1, 5],
    build: (g, x) => g.op('Squeeze', [x], { squeeze_dims: attr.ints([1, 2]) }),
  },
  {
    name: 'Squeeze squeeze_dims [-1]',
    inputShape: [BATCH, 3, 1],
    build: (g, x) => g.op('Squeeze', [x], { squeeze_dims: attr.ints([-1]) }),
  },

  // Element-wise ops, with constants of every broadcast shape and two computed operands.
  { name: 'Identity', inputShape: [BATCH, 3, 4], build: (g, x) => g.op('Identity', [x]) },
  {
    name: 'Add (per channel)',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('Add', [x, g.weight([5])]),
  },
  {
    name: 'AddV2 (two computed operands)',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('AddV2', [x, g.op('Abs', [x])]),
  },
  {
    name: 'BiasAdd',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('BiasAdd', [x, g.weight([5])], { data_format: attr.s('NHWC') }),
  },
  {
    name: 'Sub (constant first, [1,1,1,C])',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('Sub', [g.weight([1, 1, 1, 5]), x]),
  },
  {
    name: 'Mul (per row, [H,1,1])',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('Mul', [x, g.weight([3, 1, 1])]),
  },
  {
    name: 'RealDiv',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('RealDiv', [x, g.weight([5], undefined, 0.5, 2)]),
  },
  {
    name: 'RealDiv (computed divisor)',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('RealDiv', [g.weight([5]), g.op('AddV2', [g.op('Abs', [x]), g.weight([], [1])])]),
  },
  {
    name: 'Maximum (scalar)',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('Maximum', [x, g.weight([], [0.25])]),
  },
  {
    name: 'Minimum (per channel)',
    inputShape: [BATCH, 3, 4, 5],
    build: (g, x) => g.op('Minimum', [x, g.weight([5])]),
  },
  ...(['Abs', 'Neg', 'Relu', 'Sigmoid', 'Tanh', 'Square'] as const).map(
    (op): Case => ({
      name: op,
      inputShape: [BATCH, 3, 4, 5],
      range: [-3, 3],
      build: (g, x) => g.op(op, [x]),
    }),
  ),
  { name: 'Relu6', inputShape: [BATCH, 3, 4, 5], range: [-8, 8], build: (g, x) => g.op('Relu6', [x]) },
  { name: 'Exp', inputShape: [BATCH, 3, 4, 5], range: [-4, 4], build: (g, x) => g.op('Exp', [x]) },
  { name: 'Sqrt', inputShape: [BATCH, 3, 4, 5], range: [0, 9], build: (g, x) => g.op('Sqrt', [x]) },
  { name: 'Rsqrt', inputShape: [BATCH, 3, 4, 5], range: [0.05, 9], build: (g, x) => g.op('Rsqrt', [x]) },
  { name: 'Softmax', inputShape: [BATCH, 10], range: [-5, 5], build: (g, x) => g.op('Softmax', [x]) },
  {
    name: 'Softmax (rank 3)',
    inputShape: [BATCH, 3, 7],
    range: [-5, 5],
    build: (g, x) => g.op('Softmax', [x]),
  },
];

interface Compared {
  shape: number[];
  onnxShape: number[];
  maxDiff: number;
  maxAbs: number;
}

/** Runs one case both ways; onnxruntime once without and once with its graph optimisations. */
/**
 * Runs one case both ways. `mislead`, for the tests of the test, alters the graph the converter sees
 * (not the one TensorFlow.js runs), as a converter misreading an attribute or a weight would.
 */
async function compare(
  c: Case,
  seed: number,
  level: 'disabled' | 'all',
  mislead?: (graph: TfGraph) => void,
): Promise<Compared> {
  const g = new TinyGraph(c.inputShape, seed, c.fixedBatch);
  const y = c.build(g, 'x');
  const [lo, hi] = c.range ?? [-1, 1];
  const input = g.uniform(count(c.inputShape), lo, hi);

  const model = await tfjsModel(g);
  const x = tf.tensor(input, c.inputShape);
  const expectedTensor = model.execute(x, y) as tf.Tensor;
  const expected = (await expectedTensor.data()) as Float32Array;
  const shape = expectedTensor.shape;
  tf.dispose([x, expectedTensor]);
  model.dispose();

  const graph: TfGraph = { nodes: structuredClone(g.nodes), weights: new Map(g.weights) };
  mislead?.(graph);
  const inputShape = c.inputShape.map((d, i) => (i === 0 && !c.fixedBatch ? -1 : d));
  const bytes = convertTfjsGraph(graph, {
    name: 'case',
    inputShape,
    outputs: [{ tf: y, onnx: 'y' }],
  }).toBytes();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const result = (await session.run({ input: new ort.Tensor('float32', input, c.inputShape) }))
    .y as ort.Tensor;
  await session.release();
  const actual = result.data as Float32Array;

  let maxDiff = actual.length === expected.length ? 0 : Number.POSITIVE_INFINITY;
  let maxAbs = 0;
  expected.forEach((e, i) => {
    const d = Math.abs((actual[i] ?? Number.NaN) - e);
    maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, d);
    maxAbs = Math.max(maxAbs, Math.abs(e));
  });
  return { shape, onnxShape: [...result.dims], maxDiff, maxAbs };
}

function agrees(r: Compared): boolean {
  return JSON.stringify(r.onnxShape) === JSON.stringify(r.shape) && r.maxDiff <= TOLERANCE * r.maxAbs;
}

// TensorFlow.js's cpu backend holds its reference kernels. (The wasm backend, which the model-level
// tests use for speed, gets _FusedMatMul with transpose_b and a bias wrong from the second row on.)
beforeAll(async () => {
  await tf.setBackend('cpu');
  expect(tf.getBackend()).toBe('cpu');
});

describe('each op against TensorFlow.js', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_, c, i) => {
    for (const level of ['disabled', 'all'] as const) {
      const r = await compare(c, 1000 + i, level);
      expect(r.onnxShape, `shape (${level})`).toEqual(r.shape);
      expect(r.maxAbs, 'a meaningful output').toBeGreaterThan(0);
      expect(r.maxDiff, `${level}: ${JSON.stringify(r)}`).toBeLessThanOrEqual(TOLERANCE * r.maxAbs);
    }
  });
});

/** The op node of a case's graph (the one that is neither the input nor a constant). */
function opNode(graph: TfGraph, op: string): TfNode {
  const node = graph.nodes.find((n) => n.op === op);
  if (!node) throw new Error(`no ${op} node`);
  return node;
}

/** Case name → how the converter is misled; every one must make the comparison fail. */
const MISLEAD: [string, (graph: TfGraph) => void][] = [
  [
    'Conv2D SAME 3×2 kernel',
    (graph) => {
      // The filter read as H and W swapped, which a 3×2 kernel cannot hide.
      const name = opNode(graph, 'Conv2D').input?.[1] ?? '';
      const f = graph.weights.get(name) as Tensor;
      const [h = 1, w = 1, i = 1, o = 1] = f.shape;
      const data = new Float32Array(f.data.length);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < i * o; k++)
            data[(x * h + y) * i * o + k] = f.data[(y * w + x) * i * o + k] ?? 0;
      graph.weights.set(name, { ...f, data });
    },
  ],
  [
    'ResizeBilinear half_pixel_centers 4×6 → 7×9',
    (graph) => {
      const attrs = opNode(graph, 'ResizeBilinear').attr ?? {};
      attrs.half_pixel_centers = attr.b(false);
    },
  ],
  [
    'MaxPool SAME 3×3 stride 2, odd size',
    (graph) => {
      const attrs = opNode(graph, 'MaxPool').attr ?? {};
      attrs.padding = attr.s('VALID');
    },
  ],
  [
    'DepthwiseConv2dNative channel multiplier 2, VALID stride 2, 3×2 kernel',
    (graph) => {
      // The channel multiplier read as the outer index: (M·C) instead of (C·M) output channels.
      const name = opNode(graph, 'DepthwiseConv2dNative').input?.[1] ?? '';
      const f = graph.weights.get(name) as Tensor;
      const [h = 1, w = 1, c = 1, m = 1] = f.shape;
      const data = new Float32Array(f.data.length);
      for (let p = 0; p < h * w; p++)
        for (let i = 0; i < c; i++)
          for (let j = 0; j < m; j++) data[p * c * m + i * m + j] = f.data[p * c * m + j * c + i] ?? 0;
      graph.weights.set(name, { ...f, data });
    },
  ],
  [
    'StridedSlice shrinking two axes (begin 2 and -2)',
    (graph) => {
      const attrs = opNode(graph, 'StridedSlice').attr ?? {};
      attrs.shrink_axis_mask = attr.i(0b010);
    },
  ],
  [
    'Mean over H, W',
    (graph) => {
      const attrs = opNode(graph, 'Mean').attr ?? {};
      attrs.keep_dims = attr.b(true);
    },
  ],
];

describe('the comparison fails on a misled conversion (tests of the test)', () => {
  it.each(MISLEAD)('%s', async (name, mislead) => {
    const i = CASES.findIndex((c) => c.name === name);
    const c = CASES[i] as Case;
    expect(agrees(await compare(c, 1000 + i, 'all'))).toBe(true);
    const r = await compare(c, 1000 + i, 'all', mislead);
    expect(agrees(r), JSON.stringify(r)).toBe(false);
  });
});

describe('what the converter refuses', () => {
  function convert(build: (g: TinyGraph, x: string) => string): () => void {
    const g = new TinyGraph([1, 4, 4, 3], 1);
    const y = build(g, 'x');
    return () =>
      convertTfjsGraph(g, { name: 'refused', inputShape: [-1, 4, 4, 3], outputs: [{ tf: y, onnx: 'y' }] });
  }

  it('names an unknown op', () => {
    expect(convert((g, x) => g.op('Erf', [g.op('Relu', [x])]))).toThrow(
      /unsupported TensorFlow op Erf \(Erf_\d+\)/,
    );
  });

  it('names an unknown fused activation', () => {
    expect(
      convert((g, x) =>
        conv(g, x, '_FusedConv2D', [1, 1, 3, 3], { ...SAME, ...strides(1), ...fused('BiasAdd', 'Gelu') }, [
          g.weight([3]),
        ]),
      ),
    ).toThrow(/fused activation Gelu/);
  });

  it('rejects ellipsis and new-axis masks', () => {
    expect(
      convert((g, x) =>
        g.op('StridedSlice', [x, g.ints([0, 0]), g.ints([0, 1]), g.ints([1, 1])], {
          ellipsis_mask: attr.i(1),
        }),
      ),
    ).toThrow(/ellipsis/);
  });

  it('rejects SAME padding with both dilation and stride (its padding depends on the input size)', () => {
    expect(
      convert((g, x) =>
        conv(g, x, 'Conv2D', [3, 3, 3, 3], { ...SAME, ...strides(2), dilations: attr.ints([1, 2, 2, 1]) }),
      ),
    ).toThrow(/Conv2D_\d+: SAME padding with dilation and stride/);
  });

  it('rejects a computed convolution filter', () => {
    expect(
      convert((g, x) =>
        g.op('Conv2D', [x, g.op('Abs', [g.weight([1, 1, 3, 3])])], { ...SAME, ...strides(1) }),
      ),
    ).toThrow(/input 1 must be a constant/);
  });

  it('names a tensor that no node produces', () => {
    expect(convert(() => 'nowhere')).toThrow(/unknown tensor nowhere/);
  });

  it('wants exactly one input', () => {
    const g = new TinyGraph([1, 3], 1);
    g.nodes.push({ name: 'x2', op: 'Placeholder', attr: {} });
    expect(() =>
      convertTfjsGraph(g, { name: 'two', inputShape: [1, 3], outputs: [{ tf: 'x', onnx: 'y' }] }),
    ).toThrow(/expected one input, found 2/);
  });
});

describe('filterToOnnx', () => {
  it('lays HWIO out as OIHW and depthwise HW(C)(M) as (C·M)1HW', () => {
    // Each value encodes its own HWIO index, so the layout can be read back.
    const [kh, kw, ci, co] = [2, 3, 4, 5];
    const data = Float32Array.from({ length: kh * kw * ci * co }, (_, n) => n);
    const at = (y: number, x: number, i: number, o: number) => ((y * kw + x) * ci + i) * co + o;
    const filter: Tensor = { dtype: 'float32', shape: [kh, kw, ci, co], data };

    const conv = filterToOnnx(filter, false);
    expect(conv.dims).toEqual([co, ci, kh, kw]);
    expect(conv.data[((3 * ci + 2) * kh + 1) * kw + 2]).toBe(at(1, 2, 2, 3));

    const depthwise = filterToOnnx(filter, true);
    expect(depthwise.dims).toEqual([ci * co, 1, kh, kw]);
    // Output channel c·M + m of a depthwise convolution reads input channel c with multiplier m.
    expect(depthwise.data[((2 * co + 3) * kh + 1) * kw + 2]).toBe(at(1, 2, 2, 3));
    expect([...conv.data].sort((a, b) => a - b)).toEqual([...data]);
  });
});

describe('weights', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfjs-weights-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes float16 edge values exactly', () => {
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x8000, -0],
      [0x0001, 2 ** -24], // smallest subnormal
      [0x8001, -(2 ** -24)],
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x0400, 2 ** -14], // smallest normal
      [0x3c00, 1],
      [0x3c01, 1 + 2 ** -10],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504], // largest finite
      [0xfbff, -65504],
      [0x7c00, Number.POSITIVE_INFINITY],
      [0xfc00, Number.NEGATIVE_INFINITY],
    ];
    for (const [bits, value] of cases)
      expect(Object.is(halfToFloat(bits), value), bits.toString(16)).toBe(true);
    for (const nan of [0x7c01, 0x7e00, 0x7fff, 0xfc01, 0xfe00]) expect(halfToFloat(nan)).toBeNaN();
  });

  it('decodes all 65536 float16 values as TensorFlow.js does', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const spec: tf.io.WeightsManifestEntry = {
      name: 'w',
      shape: [65536],
      dtype: 'float32',
      quantization: { dtype: 'float16' },
    };
    const reference = tf.io.decodeWeights(bits.buffer, [spec]).w as tf.Tensor;
    const expected = reference.dataSync() as Float32Array;
    reference.dispose();
    const mismatches = [...bits].filter((h) => {
      const [a, e] = [Math.fround(halfToFloat(h)), expected[h] as number];
      return !(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)));
    });
    expect(mismatches).toEqual([]);
  });

  it('dequantises uint8, uint16 and float16 weights across shards exactly as TensorFlow.js does', async () => {
    const rand = seededRandom(7);
    const entries: (WeightEntry & { bytes: Uint8Array })[] = [];
    const add = (entry: WeightEntry, bytes: Uint8Array) => entries.push({ ...entry, bytes });
    const u8 = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    const u16 = (n: number) => Uint16Array.from({ length: n }, () => Math.floor(rand() * 65536));
    const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

    add(
      { name: 'plain', shape: [3, 2], dtype: 'float32' },
      asBytes(Float32Array.from({ length: 6 }, () => rand())),
    );
    add(
      {
        name: 'u8',
        shape: [64],
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale: 0.0123, min: -1.37 },
      },
      u8(64),
    );
    add(
      {
        name: 'u8-exact',
        shape: [256],
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale: 0.1, min: -12.8 },
      },
      Uint8Array.from({ length: 256 }, (_, i) => i),
    );
    add(
      {
        name: 'u16',
        shape: [4, 5],
        dtype: 'float32',
        quantization: { dtype: 'uint16', scale: 3.1e-5, min: -0.9 },
      },
      asBytes(u16(20)),
    );
    add(
      { name: 'f16', shape: [9], dtype: 'float32', quantization: { dtype: 'float16' } },
      asBytes(u16(9).map((h) => h & 0x7bff)),
    );
    add({ name: 'ints', shape: [3], dtype: 'int32' }, asBytes(Int32Array.of(-1, 0, 7)));
    // Integers TF.js rounds to nearest: .5 cases and values a hair below an integer.
    add(
      { name: 'int-u8', shape: [8], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.5, min: -1.5 } },
      Uint8Array.of(0, 1, 2, 3, 4, 5, 200, 255),
    );
    add(
      {
        name: 'int-u8-tenths',
        shape: [30],
        dtype: 'int32',
        quantization: { dtype: 'uint8', scale: 0.1, min: 0 },
      },
      Uint8Array.from({ length: 30 }, (_, i) => i * 7),
    );

    // Two groups, the first split across two shard files in the middle of a weight.
    const all = Buffer.concat(entries.map((e) => e.bytes));
    const firstGroup = entries.slice(0, 5);
    const firstBytes = Buffer.concat(firstGroup.map((e) => e.bytes));
    const rest = all.subarray(firstBytes.length);
    await writeFile(join(dir, 'a.bin'), firstBytes.subarray(0, 37));
    await writeFile(join(dir, 'b.bin'), firstBytes.subarray(37));
    await writeFile(join(dir, 'c.bin'), rest);
    const spec = (e: (typeof entries)[number]): WeightEntry => ({
      name: e.name,
      shape: e.shape,
      dtype: e.dtype,
      ...(e.quantization ? { quantization: e.quantization } : {}),
    });
    const groups = [
      { paths: ['a.bin', 'b.bin'], weights: firstGroup.map(spec) },
      { paths: ['c.bin'], weights: entries.slice(5).map(spec) },
    ];
    const ours = await loadWeights(join(dir, 'model.json'), groups);

    const reference = tf.io.decodeWeights(
      new Uint8Array(all).buffer,
      entries.map(spec) as tf.io.WeightsManifestEntry[],
    );
    for (const e of entries) {
      const t = reference[e.name] as tf.Tensor;
      const mine = ours.get(e.name);
      expect(mine?.shape, e.name).toEqual(t.shape);
      expect(mine?.dtype, e.name).toBe(t.dtype);
      expect(Array.from(mine?.data ?? []), e.name).toEqual(Array.from(t.dataSync()));
      t.dispose();
    }
  });

  it('rejects short and overlong shards', async () => {
    await writeFile(join(dir, 'short.bin'), new Uint8Array(7));
    const weights: WeightEntry[] = [{ name: 'w', shape: [2], dtype: 'float32' }];
    await expect(loadWeights(join(dir, 'model.json'), [{ paths: ['short.bin'], weights }])).rejects.toThrow(
      /too short for w/,
    );
    await writeFile(join(dir, 'long.bin'), new Uint8Array(12));
    await expect(loadWeights(join(dir, 'model.json'), [{ paths: ['long.bin'], weights }])).rejects.toThrow(
      /4 unread bytes/,
    );
  });
});
