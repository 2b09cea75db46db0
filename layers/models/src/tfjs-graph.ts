/**
 * Converts a TensorFlow.js graph model (model.json + shards) to ONNX.
 *
 * Tensors keep TensorFlow's NHWC layout; only the spatial ops (convolutions, pooling, resize,
 * depth-to-space) are wrapped in NHWC↔NCHW transposes, which onnxruntime's transpose optimiser
 * cancels at session creation. That keeps every shape op (Reshape, Concat, StridedSlice, Mean)
 * semantically identical to TensorFlow's.
 */
import { readFile } from 'node:fs/promises';
import { type AttrValue, DataType, GraphBuilder } from './onnx.ts';
import { loadWeights, type Tensor, type WeightGroup } from './tfjs-weights.ts';

interface TfAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: string[]; s?: string[]; f?: number[] };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, Tensor>;
}

export async function loadTfjsGraph(modelJson: string): Promise<TfGraph> {
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: { node: TfNode[] };
    weightsManifest: WeightGroup[];
  };
  return { nodes: json.modelTopology.node, weights: await loadWeights(modelJson, json.weightsManifest) };
}

export interface GraphOutput {
  /** TensorFlow tensor name, e.g. `Identity_1` or `StatefulPartitionedCall/model/x:0`. */
  tf: string;
  onnx: string;
}

export interface ConvertOptions {
  name: string;
  /** The NHWC input shape; `-1` dimensions become the symbolic `batch`. */
  inputShape: number[];
  outputs: GraphOutput[];
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Converts a whole graph; throws on an op it does not know, naming it. */
export function convertTfjsGraph(graph: TfGraph, options: ConvertOptions): GraphBuilder {
  const converter = new Converter(graph, options.name);
  const placeholders = graph.nodes.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1) throw new Error(`expected one input, found ${placeholders.length}`);
  const input = placeholders[0] as TfNode;
  converter.g.input({
    name: 'input',
    elemType: DataType.FLOAT,
    shape: options.inputShape.map((d) => (d < 0 ? 'batch' : d)),
  });
  converter.bind(input.name, 'input');
  for (const out of options.outputs) {
    converter.g.node('Identity', [converter.value(out.tf)], {}, out.onnx);
    converter.g.output({ name: out.onnx, elemType: DataType.FLOAT });
  }
  return converter.g;
}

export class Converter {
  readonly g: GraphBuilder;
  private readonly nodes = new Map<string, TfNode>();
  private readonly values = new Map<string, string>();

  constructor(
    private readonly graph: TfGraph,
    name: string,
  ) {
    this.g = new GraphBuilder(name);
    for (const node of graph.nodes) this.nodes.set(node.name, node);
  }

  bind(tfName: string, onnxName: string): void {
    this.values.set(tfName, onnxName);
  }

  /** The ONNX tensor holding a TensorFlow tensor, converting its producers on first use. */
  value(ref: string): string {
    const key = ref.endsWith(':0') ? ref.slice(0, -2) : ref;
    const known = this.values.get(key);
    if (known) return known;
    const [nodeName = key, index = '0'] = key.split(':');
    const node = this.nodes.get(nodeName);
    if (!node) throw new Error(`unknown tensor ${ref}`);
    if (index !== '0') throw new Error(`${node.op} ${node.name}: multiple outputs are not supported`);
    const result = node.op === 'Const' ? this.constantValue(node.name) : this.convert(node);
    this.values.set(key, result);
    return result;
  }

  /** A graph constant's tensor, or undefined when the input is computed. */
  constant(ref: string): Tensor | undefined {
    const name = ref.replace(/:0$/, '');
    return this.nodes.get(name)?.op === 'Const' ? this.graph.weights.get(name) : undefined;
  }

  requireConstant(node: TfNode, index: number): Tensor {
    const t = this.constant(inputs(node)[index] ?? '');
    if (!t) throw new Error(`${node.op} ${node.name}: input ${index} must be a constant`);
    return t;
  }

  private constantValue(name: string): string {
    const t = this.graph.weights.get(name);
    if (!t) throw new Error(`constant ${name} has no weights`);
    // Integer tensors only ever describe shapes and axes here; ONNX wants those as int64.
    return t.dtype === 'int32'
      ? this.g.constant(
          name,
          BigInt64Array.from(t.data, (v) => BigInt(v)),
          t.shape,
        )
      : this.g.constant(name, t.data as Float32Array, t.shape);
  }

  private convert(node: TfNode): string {
    const handler = OPS[node.op];
    if (!handler) throw new Error(`unsupported TensorFlow op ${node.op} (${node.name})`);
    return handler(this, node);
  }
}

type OpHandler = (c: Converter, node: TfNode) => string;

function inputs(node: TfNode): string[] {
  return (node.input ?? []).filter((i) => !i.startsWith('^'));
}

function attrString(node: TfNode, key: string): string | undefined {
  const s = node.attr?.[key]?.s;
  if (s === undefined) return undefined;
  // The converter stores strings base64-encoded, though some models hold them in plain text.
  return /^[A-Z_]+$/.test(s) ? s : Buffer.from(s, 'base64').toString('utf8');
}

function attrInts(node: TfNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}

function attrInt(node: TfNode, key: string, fallback = 0): number {
  const i = node.attr?.[key]?.i;
  return i === undefined ? fallback : Number(i);
}

function attrBool(node: TfNode, key: string): boolean {
  return node.attr?.[key]?.b === true;
}

function attrStrings(node: TfNode, key: string): string[] {
  return (node.attr?.[key]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

function unary(op: string): OpHandler {
  return (c, node) => c.g.node(op, [c.value(inputs(node)[0] ?? '')]);
}

function binary(op: string): OpHandler {
  return (c, node) => {
    const [a = '', b = ''] = inputs(node);
    return c.g.node(op, [c.value(a), c.value(b)]);
  };
}

/** Runs an NCHW-only ONNX op on an NHWC tensor. */
function spatial(c: Converter, x: string, op: (nchw: string) => string): string {
  return c.g.node('Transpose', [op(c.g.node('Transpose', [x], { perm: NHWC_TO_NCHW }))], {
    perm: NCHW_TO_NHWC,
  });
}

/** TensorFlow padding attributes as ONNX Conv/MaxPool attributes. */
function paddingAttrs(node: TfNode): Record<string, AttrValue> {
  const padding = attrString(node, 'padding');
  if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (padding === 'VALID') return { pads: [0, 0, 0, 0] };
  if (padding === 'EXPLICIT') {
    const [, , top = 0, bottom = 0, left = 0, right = 0] = attrInts(node, 'explicit_paddings');
    return { pads: [top, left, bottom, right] };
  }
  throw new Error(`${node.name}: padding ${padding}`);
}

function nhwcPair(values: number[], fallback: number): [number, number] {
  return [values[1] ?? fallback, values[2] ?? fallback];
}

/** HWIO → OIHW; for depthwise filters HW(C)(M) → (C·M)1HW, the grouped-convolution layout. */
export function filterToOnnx(filter: Tensor, depthwise: boolean): { data: Float32Array; dims: number[] } {
  const [kh = 1, kw = 1, cin = 1, cout = 1] = filter.shape;
  const src = filter.data;
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          const from = ((y * kw + x) * cin + i) * cout + o;
          const to = depthwise ? ((i * cout + o) * kh + y) * kw + x : ((o * cin + i) * kh + y) * kw + x;
          out[to] = src[from] as number;
        }
      }
    }
  }
  return { data: out, dims: depthwise ? [cin * cout, 1, kh, kw] : [cout, cin, kh, kw] };
}

function convolution(depthwise: boolean): OpHandler {
  return (c, node) => {
    const ins = inputs(node);
    const filter = c.requireConstant(node, 1);
    const { data, dims } = filterToOnnx(filter, depthwise);
    const fused = attrStrings(node, 'fused_ops');
    const convInputs = [c.g.constant(`${node.name}/W`, data, dims)];
    if (fused[0] === 'BiasAdd') convInputs.push(c.value(ins[2] ?? ''));
    const kernel = [dims[2] ?? 1, dims[3] ?? 1];
    const strides = nhwcPair(attrInts(node, 'strides'), 1);
    const dilations = nhwcPair(attrInts(node, 'dilations'), 1);
    const attrs: Record<string, AttrValue> = {
      kernel_shape: kernel,
      strides,
      dilations,
      group: depthwise ? (filter.shape[2] ?? 1) : 1,
      ...paddingAttrs(node),
    };
    if (attrs.auto_pad && dilations.some((d) => d > 1)) {
      // onnxruntime refuses auto_pad with dilation. At stride 1 SAME pads (k − 1)·d in all,
      // the odd one at the end, whatever the input size (TensorFlow has no dilation with stride > 1).
      if (strides.some((s) => s > 1)) throw new Error(`${node.name}: SAME padding with dilation and stride`);
      const total = kernel.map((k, i) => (k - 1) * (dilations[i] ?? 1));
      const begin = total.map((t) => Math.floor(t / 2));
      delete attrs.auto_pad;
      attrs.pads = [...begin, ...total.map((t, i) => t - (begin[i] ?? 0))];
    }
    const y = spatial(c, c.value(ins[0] ?? ''), (x) => c.g.node('Conv', [x, ...convInputs], attrs));
    return activation(c, node, fused.slice(fused[0] === 'BiasAdd' ? 1 : 0), y, ins[3]);
  };
}

/** The activation a fused TensorFlow op applies after its bias. */
function activation(c: Converter, node: TfNode, ops: string[], y: string, extraInput?: string): string {
  if (ops.length === 0) return y;
  if (ops.length > 1) throw new Error(`${node.name}: fused ops ${ops.join('+')}`);
  switch (ops[0]) {
    case 'Relu':
      return c.g.node('Relu', [y]);
    case 'Relu6':
      return c.g.node('Clip', [y, c.g.floats('zero', [0], []), c.g.floats('six', [6], [])]);
    case 'Prelu':
      return c.g.node('PRelu', [y, c.value(extraInput ?? '')]);
    case 'LeakyRelu':
      return c.g.node('LeakyRelu', [y], { alpha: { float: node.attr?.leakyrelu_alpha?.f ?? 0.2 } });
    case 'Sigmoid':
      return c.g.node('Sigmoid', [y]);
    case 'Elu':
      return c.g.node('Elu', [y]);
    default:
      throw new Error(`${node.name}: fused activation ${ops[0]}`);
  }
}

function matMul(c: Converter, node: TfNode): string {
  const ins = inputs(node);
  let a = c.value(ins[0] ?? '');
  let b = c.value(ins[1] ?? '');
  if (attrBool(node, 'transpose_a')) a = c.g.node('Transpose', [a], { perm: [1, 0] });
  if (attrBool(node, 'transpose_b')) b = c.g.node('Transpose', [b], { perm: [1, 0] });
  let y = c.g.node('MatMul', [a, b]);
  const fused = attrStrings(node, 'fused_ops');
  if (fused[0] === 'BiasAdd') y = c.g.node('Add', [y, c.value(ins[2] ?? '')]);
  return activation(c, node, fused.slice(fused[0] === 'BiasAdd' ? 1 : 0), y, ins[3]);
}

function maxPool(c: Converter, node: TfNode): string {
  const attrs = {
    kernel_shape: nhwcPair(attrInts(node, 'ksize'), 1),
    strides: nhwcPair(attrInts(node, 'strides'), 1),
    ...paddingAttrs(node),
  };
  return spatial(c, c.value(inputs(node)[0] ?? ''), (x) => c.g.node('MaxPool', [x], attrs));
}

function pad(c: Converter, node: TfNode): string {
  const [x = '', paddings = '', value] = inputs(node);
  const p = Array.from(c.requireConstant(node, 1).data);
  const begins = p.filter((_, i) => i % 2 === 0);
  const ends = p.filter((_, i) => i % 2 === 1);
  const padInputs = [c.value(x), c.g.int64s(`${paddings}/pads`, [...begins, ...ends])];
  if (value) padInputs.push(c.value(value));
  return c.g.node('Pad', padInputs, { mode: 'constant' });
}

function axesOf(c: Converter, node: TfNode): number[] {
  return Array.from(c.requireConstant(node, 1).data);
}

function reduce(op: 'ReduceMean' | 'ReduceSum'): OpHandler {
  return (c, node) => {
    const x = c.value(inputs(node)[0] ?? '');
    const keepdims = attrBool(node, 'keep_dims') ? 1 : 0;
    const axes = axesOf(c, node);
    // Opset 17: ReduceMean still takes axes as an attribute, ReduceSum as an input.
    return op === 'ReduceMean'
      ? c.g.node(op, [x], { axes, keepdims })
      : c.g.node(op, [x, c.g.int64s('axes', axes)], { keepdims });
  };
}

function resizeBilinear(c: Converter, node: TfNode): string {
  const size = Array.from(c.requireConstant(node, 1).data);
  const mode = attrBool(node, 'align_corners')
    ? 'align_corners'
    : attrBool(node, 'half_pixel_centers')
      ? 'half_pixel'
      : 'asymmetric';
  return spatial(c, c.value(inputs(node)[0] ?? ''), (x) => {
    const nc = c.g.node('Slice', [c.g.node('Shape', [x]), c.g.int64s('start', [0]), c.g.int64s('end', [2])]);
    const sizes = c.g.node('Concat', [nc, c.g.int64s('hw', size)], { axis: 0 });
    return c.g.node('Resize', [x, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: mode });
  });
}

function depthToSpace(c: Converter, node: TfNode): string {
  const blocksize = attrInt(node, 'block_size');
  return spatial(c, c.value(inputs(node)[0] ?? ''), (x) =>
    c.g.node('DepthToSpace', [x], { blocksize, mode: 'DCR' }),
  );
}

function stridedSlice(c: Converter, node: TfNode): string {
  if (attrInt(node, 'ellipsis_mask') || attrInt(node, 'new_axis_mask')) {
    throw new Error(`${node.name}: ellipsis and new-axis masks are not supported`);
  }
  const begin = Array.from(c.requireConstant(node, 1).data);
  const end = Array.from(c.requireConstant(node, 2).data);
  const strides = Array.from(c.requireConstant(node, 3).data);
  const beginMask = attrInt(node, 'begin_mask');
  const endMask = attrInt(node, 'end_mask');
  const shrinkMask = attrInt(node, 'shrink_axis_mask');
  const starts: number[] = [];
  const ends: number[] = [];
  const shrink: number[] = [];
  begin.forEach((b, i) => {
    const bit = 1 << i;
    const step = strides[i] ?? 1;
    const open = step > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
    starts.push(beginMask & bit ? (step > 0 ? 0 : -1) : b);
    ends.push(
      shrinkMask & bit ? (b === -1 ? Number.MAX_SAFE_INTEGER : b + 1) : endMask & bit ? open : (end[i] ?? 0),
    );
    if (shrinkMask & bit) shrink.push(i);
  });
  const axes = begin.map((_, i) => i);
  const sliced = c.g.node('Slice', [
    c.value(inputs(node)[0] ?? ''),
    c.g.int64s('starts', starts),
    c.g.int64s('ends', ends),
    c.g.int64s('axes', axes),
    c.g.int64s('steps', strides),
  ]);
  return shrink.length ? c.g.node('Squeeze', [sliced, c.g.int64s('axes', shrink)]) : sliced;
}

function pack(c: Converter, node: TfNode): string {
  const axis = attrInt(node, 'axis');
  const parts = inputs(node).map((i) => c.g.node('Unsqueeze', [c.value(i), c.g.int64s('axes', [axis])]));
  return c.g.node('Concat', parts, { axis });
}

function concat(c: Converter, node: TfNode): string {
  const ins = inputs(node);
  const axis = Number(c.requireConstant(node, ins.length - 1).data[0]);
  return c.g.node(
    'Concat',
    ins.slice(0, -1).map((i) => c.value(i)),
    { axis },
  );
}

const OPS: Record<string, OpHandler> = {
  Identity: (c, node) => c.value(inputs(node)[0] ?? ''),
  Conv2D: convolution(false),
  _FusedConv2D: convolution(false),
  DepthwiseConv2dNative: convolution(true),
  FusedDepthwiseConv2dNative: convolution(true),
  MatMul: matMul,
  _FusedMatMul: matMul,
  MaxPool: maxPool,
  Pad: pad,
  PadV2: pad,
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  ResizeBilinear: resizeBilinear,
  DepthToSpace: depthToSpace,
  StridedSlice: stridedSlice,
  Pack: pack,
  ConcatV2: concat,
  Shape: unary('Shape'),
  Reshape: binary('Reshape'),
  Squeeze: (c, node) =>
    c.g.node('Squeeze', [c.value(inputs(node)[0] ?? ''), c.g.int64s('axes', attrInts(node, 'squeeze_dims'))]),
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Abs: unary('Abs'),
  Neg: unary('Neg'),
  Relu: unary('Relu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Exp: unary('Exp'),
  Sqrt: unary('Sqrt'),
  Relu6: (c, node) =>
    c.g.node('Clip', [
      c.value(inputs(node)[0] ?? ''),
      c.g.floats('zero', [0], []),
      c.g.floats('six', [6], []),
    ]),
  Square: (c, node) => {
    const x = c.value(inputs(node)[0] ?? '');
    return c.g.node('Mul', [x, x]);
  },
  Rsqrt: (c, node) => c.g.node('Reciprocal', [c.g.node('Sqrt', [c.value(inputs(node)[0] ?? '')])]),
  Softmax: (c, node) => c.g.node('Softmax', [c.value(inputs(node)[0] ?? '')], { axis: -1 }),
};
