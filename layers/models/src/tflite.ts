/**
 * Converts a float TensorFlow Lite model to ONNX, one ONNX node per TensorFlow Lite op.
 *
 * As in tfjs-graph, tensors keep TensorFlow's NHWC layout and only the spatial ops (convolutions,
 * pooling) are wrapped in NHWC↔NCHW transposes, which onnxruntime cancels at session creation; so
 * FULLY_CONNECTED and RESHAPE flatten in TensorFlow's order without any weight permutation.
 * The file's fixed batch becomes a dynamic one: the leading dimension is the batch throughout.
 */
import { type AttrValue, DataType, GraphBuilder } from './onnx.ts';
import {
  Activation,
  BuiltinOp,
  convOptions,
  elementwiseActivation,
  floatData,
  fullyConnectedOptions,
  intData,
  Padding,
  poolOptions,
  reducerKeepDims,
  reshapeOptions,
  type TfliteModel,
  type TfliteOperator,
  type TfliteSubGraph,
  type TfliteTensor,
} from './tflite-schema.ts';

export interface TfliteOutput {
  /** The TensorFlow Lite tensor's name, e.g. `pnet/prob1`. */
  tflite: string;
  onnx: string;
}

export interface TfliteConvertOptions {
  name: string;
  /** The ONNX input's NHWC shape; -1 marks a dynamic dimension (batch, height, width). */
  inputShape: number[];
  outputs: TfliteOutput[];
  /**
   * The network was trained on images with x and y swapped (MTCNN's Caffe models, from MATLAB's
   * column-major images): the ONNX model takes the image as it is, swaps its axes for the graph,
   * and swaps them back in every 4-d output, so its maps are in image orientation.
   */
  transposed?: boolean;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
const SWAP_XY = [0, 2, 1, 3];
const DYNAMIC_NAMES = ['batch', 'height', 'width', 'channels'];

export function convertTflite(model: TfliteModel, options: TfliteConvertOptions): GraphBuilder {
  if (model.subgraphs.length !== 1) throw new Error(`expected one subgraph, found ${model.subgraphs.length}`);
  const graph = model.subgraphs[0] as TfliteSubGraph;
  if (graph.inputs.length !== 1) throw new Error(`expected one input, found ${graph.inputs.length}`);
  const c = new Converter(graph, options.name);
  const source = graph.tensors[graph.inputs[0] as number] as TfliteTensor;
  const expected = options.transposed
    ? SWAP_XY.map((i) => options.inputShape[i] as number)
    : options.inputShape;
  expected.forEach((d, i) => {
    if (d > 0 && d !== source.shape[i]) {
      throw new Error(
        `input ${source.name} is ${source.shape.join('×')}, not ${options.inputShape.join('×')}`,
      );
    }
  });
  c.g.input({
    name: 'input',
    elemType: DataType.FLOAT,
    shape: options.inputShape.map((d, i) => (d > 0 ? d : (DYNAMIC_NAMES[i] as string))),
  });
  c.bind(source.index, options.transposed ? c.g.node('Transpose', ['input'], { perm: SWAP_XY }) : 'input');
  for (const out of options.outputs) {
    const tensor = graph.tensors.find((t) => t.name === out.tflite);
    if (!tensor || !graph.outputs.includes(tensor.index)) throw new Error(`no output named ${out.tflite}`);
    const value = c.value(tensor.index);
    if (options.transposed && tensor.shape.length === 4) {
      c.g.node('Transpose', [value], { perm: SWAP_XY }, out.onnx);
    } else {
      c.g.node('Identity', [value], {}, out.onnx);
    }
    c.g.output({ name: out.onnx, elemType: DataType.FLOAT });
  }
  return c.g;
}

class Converter {
  readonly g: GraphBuilder;
  private readonly values = new Map<number, string>();
  private readonly producers = new Map<number, TfliteOperator>();

  constructor(
    readonly graph: TfliteSubGraph,
    name: string,
  ) {
    this.g = new GraphBuilder(name);
    for (const op of graph.operators) for (const out of op.outputs) this.producers.set(out, op);
  }

  bind(index: number, onnxName: string): void {
    this.values.set(index, onnxName);
  }

  tensor(index: number | undefined): TfliteTensor {
    const t = this.graph.tensors[index ?? -1];
    if (!t) throw new Error(`no tensor ${index}`);
    if (t.quantised) throw new Error(`tensor ${t.name} is quantised; only float models are supported`);
    return t;
  }

  /** The ONNX tensor holding a TensorFlow Lite tensor, converting its producer on first use. */
  value(index: number | undefined): string {
    const known = this.values.get(index ?? -1);
    if (known) return known;
    const t = this.tensor(index);
    let result: string;
    if (t.data) {
      result = this.g.constant(t.name, floatData(t), t.shape);
    } else {
      const op = this.producers.get(t.index);
      if (!op) throw new Error(`tensor ${t.name} has no producer`);
      if (op.outputs.length !== 1) throw new Error(`${opName(op)}: multiple outputs are not supported`);
      const handler = OPS[op.op];
      if (!handler) throw new Error(`unsupported TensorFlow Lite op ${opName(op)} (${t.name})`);
      result = handler(this, op, t.name);
    }
    this.values.set(t.index, result);
    return result;
  }

  /** A constant input's tensor. */
  constant(op: TfliteOperator, input: number): TfliteTensor {
    const t = this.tensor(op.inputs[input]);
    if (!t.data) throw new Error(`${opName(op)} ${t.name}: input ${input} must be a constant`);
    return t;
  }
}

function opName(op: TfliteOperator): string {
  return BuiltinOp[op.op] ?? `builtin op ${op.op}`;
}

type OpHandler = (c: Converter, op: TfliteOperator, name: string) => string;

/** None of the converted models fuses an activation into an op; each kind would need its own test. */
function noActivation(op: TfliteOperator, fused: Activation): void {
  if (fused !== Activation.NONE) {
    throw new Error(`${opName(op)}: fused activation ${Activation[fused] ?? fused} is not supported`);
  }
}

/** Runs an NCHW-only ONNX op on an NHWC tensor. */
function spatial(c: Converter, x: string, name: string, op: (nchw: string) => string): string {
  const nchw = c.g.node('Transpose', [x], { perm: NHWC_TO_NCHW });
  return c.g.node('Transpose', [op(nchw)], { perm: NCHW_TO_NHWC }, c.g.fresh(name));
}

/** TensorFlow's SAME puts the odd padding pixel at the end: ONNX's SAME_UPPER, for any input size. */
function paddingAttrs(op: TfliteOperator, padding: Padding, dilations: number[]): Record<string, AttrValue> {
  if (padding === Padding.VALID) return { pads: [0, 0, 0, 0] };
  if (padding !== Padding.SAME) throw new Error(`${opName(op)}: padding ${padding}`);
  // onnxruntime refuses auto_pad with dilation.
  if (dilations.some((d) => d !== 1)) throw new Error(`${opName(op)}: SAME padding with dilation`);
  return { auto_pad: 'SAME_UPPER' };
}

/**
 * A convolution filter in ONNX's OIHW: TensorFlow Lite's CONV_2D filter is OHWI, and its depthwise
 * filter 1HW(C·M), whose last axis is already ONNX's grouped output-channel order.
 */
export function filterToOnnx(filter: { shape: number[]; data: Float32Array }, depthwise: boolean) {
  const [o = 1, kh = 1, kw = 1, i = 1] = filter.shape;
  const src = filter.data;
  const out = new Float32Array(src.length);
  const [outputs, inputs] = depthwise ? [i, 1] : [o, i];
  for (let oc = 0; oc < outputs; oc++)
    for (let ic = 0; ic < inputs; ic++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const from = depthwise ? (y * kw + x) * i + oc : ((oc * kh + y) * kw + x) * i + ic;
          out[((oc * inputs + ic) * kh + y) * kw + x] = src[from] as number;
        }
  return { data: out, dims: [outputs, inputs, kh, kw] };
}

function convolution(depthwise: boolean): OpHandler {
  return (c, op, name) => {
    const o = convOptions(op);
    noActivation(op, o.activation);
    const x = c.tensor(op.inputs[0]);
    const filter = c.constant(op, 1);
    const { data, dims } = filterToOnnx({ shape: filter.shape, data: floatData(filter) }, depthwise);
    const inputs = [c.g.constant(filter.name, data, dims)];
    if ((op.inputs[2] ?? -1) >= 0) inputs.push(c.value(op.inputs[2]));
    const channels = x.shape[3] ?? 0;
    if (depthwise && dims[0] !== channels * o.depthMultiplier) {
      throw new Error(`${name}: depthwise filter of ${dims[0]} for ${channels} channels`);
    }
    const attrs: Record<string, AttrValue> = {
      kernel_shape: dims.slice(2),
      strides: o.strides,
      dilations: o.dilations,
      group: depthwise ? channels : 1,
      ...paddingAttrs(op, o.padding, o.dilations),
    };
    return spatial(c, c.value(x.index), name, (nchw) => c.g.node('Conv', [nchw, ...inputs], attrs));
  };
}

function maxPool(c: Converter, op: TfliteOperator, name: string): string {
  const o = poolOptions(op);
  noActivation(op, o.activation);
  const attrs = { kernel_shape: o.kernel, strides: o.strides, ...paddingAttrs(op, o.padding, [1, 1]) };
  return spatial(c, c.value(op.inputs[0]), name, (nchw) => c.g.node('MaxPool', [nchw], attrs));
}

/** y = x·Wᵀ + b with W [out, in]; the input is first flattened to [batch, in] as TensorFlow Lite does. */
function fullyConnected(c: Converter, op: TfliteOperator, name: string): string {
  const o = fullyConnectedOptions(op);
  noActivation(op, o.activation);
  if (o.keepNumDims) throw new Error(`${name}: keep_num_dims is not supported`);
  const x = c.tensor(op.inputs[0]);
  const weights = c.constant(op, 1);
  const size = weights.shape[1] as number;
  const flat =
    x.shape.length === 2
      ? c.value(x.index)
      : c.g.node('Reshape', [c.value(x.index), c.g.int64s('flat', [-1, size])]);
  const inputs = [flat, c.value(weights.index)];
  if ((op.inputs[2] ?? -1) >= 0) inputs.push(c.value(op.inputs[2]));
  return c.g.node('Gemm', inputs, { transB: 1 }, c.g.fresh(name));
}

/** The target shape keeps the leading (batch) dimension as ONNX's 0, "copy it from the input". */
export function batchFreeShape(from: readonly number[], to: readonly number[]): number[] {
  if (to[0] !== from[0])
    throw new Error(`a reshape from ${from.join('×')} to ${to.join('×')} changes the batch`);
  return [0, ...to.slice(1)];
}

function reshape(c: Converter, op: TfliteOperator, name: string): string {
  const x = c.tensor(op.inputs[0]);
  const target = (op.inputs[1] ?? -1) >= 0 ? intData(c.constant(op, 1)) : reshapeOptions(op);
  if (!target) throw new Error(`${name}: reshape without a shape`);
  const shape = c.g.int64s('shape', batchFreeShape(x.shape, target));
  return c.g.node('Reshape', [c.value(x.index), shape], {}, c.g.fresh(name));
}

/** REDUCE_MAX and SUM: the axes are a constant second input. */
function reduce(onnx: 'ReduceMax' | 'ReduceSum'): OpHandler {
  return (c, op, name) => {
    const axes = intData(c.constant(op, 1));
    const keepdims = reducerKeepDims(op) ? 1 : 0;
    const x = c.value(op.inputs[0]);
    // Opset 17: ReduceMax still takes axes as an attribute, ReduceSum as an input.
    return onnx === 'ReduceMax'
      ? c.g.node(onnx, [x], { axes, keepdims }, c.g.fresh(name))
      : c.g.node(onnx, [x, c.g.int64s('axes', axes)], { keepdims }, c.g.fresh(name));
  };
}

function unary(onnx: string): OpHandler {
  return (c, op, name) => c.g.node(onnx, [c.value(op.inputs[0])], {}, c.g.fresh(name));
}

/** Broadcasting binary ops; their options hold a fused activation. */
function binary(onnx: string): OpHandler {
  return (c, op, name) => {
    noActivation(op, elementwiseActivation(op));
    return c.g.node(onnx, [c.value(op.inputs[0]), c.value(op.inputs[1])], {}, c.g.fresh(name));
  };
}

const OPS: Partial<Record<number, OpHandler>> = {
  [BuiltinOp.CONV_2D]: convolution(false),
  [BuiltinOp.DEPTHWISE_CONV_2D]: convolution(true),
  [BuiltinOp.MAX_POOL_2D]: maxPool,
  [BuiltinOp.FULLY_CONNECTED]: fullyConnected,
  [BuiltinOp.RESHAPE]: reshape,
  [BuiltinOp.REDUCE_MAX]: reduce('ReduceMax'),
  [BuiltinOp.SUM]: reduce('ReduceSum'),
  [BuiltinOp.RELU]: unary('Relu'),
  [BuiltinOp.NEG]: unary('Neg'),
  [BuiltinOp.ABS]: unary('Abs'),
  [BuiltinOp.EXP]: unary('Exp'),
  [BuiltinOp.ADD]: binary('Add'),
  [BuiltinOp.SUB]: binary('Sub'),
  [BuiltinOp.MUL]: binary('Mul'),
  [BuiltinOp.DIV]: binary('Div'),
};
