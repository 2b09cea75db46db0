/**
 * A reader of the few TensorFlow Lite flatbuffer tables a float model needs (Model, SubGraph,
 * Tensor, Operator, OperatorCode, Buffer and the options of the ops we convert), written by hand
 * from the field order of TensorFlow Lite's public schema.fbs (schema version 3).
 */
import { ByteBuffer } from 'flatbuffers';

/** One flatbuffer table; `slot` is a field's index in its schema declaration (unions take two). */
class Table {
  constructor(
    private readonly bb: ByteBuffer,
    private readonly pos: number,
  ) {}

  /** The field's position in the buffer, or 0 when the table leaves it at its default. */
  private at(slot: number): number {
    const offset = this.bb.__offset(this.pos, 4 + 2 * slot);
    return offset ? this.pos + offset : 0;
  }

  int(slot: number, fallback = 0): number {
    const at = this.at(slot);
    return at ? this.bb.readInt32(at) : fallback;
  }

  uint(slot: number, fallback = 0): number {
    const at = this.at(slot);
    return at ? this.bb.readUint32(at) : fallback;
  }

  byte(slot: number, fallback = 0): number {
    const at = this.at(slot);
    return at ? this.bb.readInt8(at) : fallback;
  }

  bool(slot: number): boolean {
    return this.byte(slot) !== 0;
  }

  ulong(slot: number): bigint {
    const at = this.at(slot);
    return at ? this.bb.readUint64(at) : 0n;
  }

  string(slot: number): string {
    const at = this.at(slot);
    return at ? (this.bb.__string(at) as string) : '';
  }

  table(slot: number): Table | undefined {
    const at = this.at(slot);
    return at ? new Table(this.bb, this.bb.__indirect(at)) : undefined;
  }

  tables(slot: number): Table[] {
    const at = this.at(slot);
    if (!at) return [];
    const start = this.bb.__vector(at);
    return Array.from(
      { length: this.bb.__vector_len(at) },
      (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)),
    );
  }

  /** A vector of int32 and where its first element sits in the file (for patching it in a copy). */
  intVector(slot: number): { values: number[]; offset: number } | undefined {
    const at = this.at(slot);
    if (!at) return undefined;
    const offset = this.bb.__vector(at);
    const values = Array.from({ length: this.bb.__vector_len(at) }, (_, i) =>
      this.bb.readInt32(offset + 4 * i),
    );
    return { values, offset };
  }

  /** A vector of bytes, as a view into the file. */
  bytes(slot: number): Uint8Array {
    const at = this.at(slot);
    if (!at) return new Uint8Array(0);
    const start = this.bb.__vector(at);
    return this.bb.bytes().subarray(start, start + this.bb.__vector_len(at));
  }
}

/** TensorType values. */
export enum TensorType {
  FLOAT32 = 0,
  FLOAT16 = 1,
  INT32 = 2,
  UINT8 = 3,
  INT64 = 4,
}

/** BuiltinOperator values of the ops the converter knows. */
export enum BuiltinOp {
  ADD = 0,
  CONV_2D = 3,
  DEPTHWISE_CONV_2D = 4,
  FULLY_CONNECTED = 9,
  MAX_POOL_2D = 17,
  MUL = 18,
  RELU = 19,
  RESHAPE = 22,
  SUB = 41,
  DIV = 42,
  EXP = 47,
  NEG = 59,
  SUM = 74,
  REDUCE_MAX = 82,
  ABS = 101,
}

export enum Padding {
  SAME = 0,
  VALID = 1,
}

/** ActivationFunctionType values. */
export enum Activation {
  NONE = 0,
  RELU = 1,
  RELU_N1_TO_1 = 2,
  RELU6 = 3,
  TANH = 4,
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  /** Where the shape vector's first int32 sits in the file. */
  shapeOffset: number;
  type: TensorType;
  /** The constant's bytes (little-endian), or undefined for a computed tensor. */
  data?: Uint8Array;
  quantised: boolean;
  /** Present when some dimension is dynamic (-1) in the original model. */
  shapeSignature?: number[];
}

export interface TfliteOperator {
  /** The builtin operator code (a BuiltinOp value, or another code this reader has no name for). */
  op: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** The options table, read by the accessors below according to the op. */
  options?: Table;
}

export interface TfliteSubGraph {
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  version: number;
  subgraphs: TfliteSubGraph[];
  /** Whether the model carries SignatureDefs (we only read the graph's own inputs and outputs). */
  hasSignatures: boolean;
}

const FILE_IDENTIFIER = 'TFL3';

// Field slots, in schema.fbs declaration order.
const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, buffers: 4, signatureDefs: 7 };
const OPERATOR_CODE = { deprecatedBuiltinCode: 0, customCode: 1, builtinCode: 3 };
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 };
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, shapeSignature: 7 };
const QUANTIZATION = { scale: 2 };
const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptions: 4 };
const BUFFER = { data: 0, offset: 1 };

/** The op's code: schema v3a moved codes above 127 from a byte to an int, keeping the larger. */
function builtinCode(code: Table): number {
  if (code.string(OPERATOR_CODE.customCode)) {
    throw new Error(`custom op ${code.string(OPERATOR_CODE.customCode)} is not supported`);
  }
  return Math.max(code.byte(OPERATOR_CODE.deprecatedBuiltinCode), code.int(OPERATOR_CODE.builtinCode));
}

export function readTflite(bytes: Uint8Array): TfliteModel {
  const bb = new ByteBuffer(bytes);
  if (bb.getBufferIdentifier() !== FILE_IDENTIFIER) throw new Error('not a TensorFlow Lite model');
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  const version = model.uint(MODEL.version);
  if (version !== 3) throw new Error(`TensorFlow Lite schema version ${version}, expected 3`);
  const codes = model.tables(MODEL.operatorCodes).map(builtinCode);
  const buffers = model.tables(MODEL.buffers).map((b) => {
    if (b.ulong(BUFFER.offset) > 1n)
      throw new Error('weights stored outside the flatbuffer are not supported');
    return b.bytes(BUFFER.data);
  });
  const subgraphs = model.tables(MODEL.subgraphs).map((sg): TfliteSubGraph => {
    const tensors = sg.tables(SUBGRAPH.tensors).map((t, index): TfliteTensor => {
      const shape = t.intVector(TENSOR.shape) ?? { values: [], offset: 0 };
      const data = buffers[t.uint(TENSOR.buffer)];
      const scales = t.table(TENSOR.quantization)?.bytes(QUANTIZATION.scale).length ?? 0;
      return {
        index,
        name: t.string(TENSOR.name),
        shape: shape.values,
        shapeOffset: shape.offset,
        type: t.byte(TENSOR.type),
        data: data?.length ? data : undefined,
        quantised: scales > 0,
        shapeSignature: t.intVector(TENSOR.shapeSignature)?.values,
      };
    });
    const operators = sg.tables(SUBGRAPH.operators).map(
      (op): TfliteOperator => ({
        op: codes[op.uint(OPERATOR.opcodeIndex)] ?? -1,
        inputs: op.intVector(OPERATOR.inputs)?.values ?? [],
        outputs: op.intVector(OPERATOR.outputs)?.values ?? [],
        options: op.table(OPERATOR.builtinOptions),
      }),
    );
    return {
      tensors,
      inputs: sg.intVector(SUBGRAPH.inputs)?.values ?? [],
      outputs: sg.intVector(SUBGRAPH.outputs)?.values ?? [],
      operators,
    };
  });
  return { version, subgraphs, hasSignatures: model.tables(MODEL.signatureDefs).length > 0 };
}

/** A float32 constant's values (copied: flatbuffer data need not be 4-byte aligned). */
export function floatData(t: TfliteTensor): Float32Array {
  if (t.type !== TensorType.FLOAT32 || !t.data) throw new Error(`tensor ${t.name} is not a float32 constant`);
  return new Float32Array(new Uint8Array(t.data).buffer);
}

/** An int32 constant's values. */
export function intData(t: TfliteTensor): number[] {
  if (t.type !== TensorType.INT32 || !t.data) throw new Error(`tensor ${t.name} is not an int32 constant`);
  return Array.from(new Int32Array(new Uint8Array(t.data).buffer));
}

// The options tables, field slots in declaration order.

export interface ConvOptions {
  padding: Padding;
  strides: [number, number];
  dilations: [number, number];
  activation: Activation;
  /** Depthwise only. */
  depthMultiplier: number;
}

export function convOptions(op: TfliteOperator): ConvOptions {
  const o = op.options;
  if (!o) throw new Error('convolution without options');
  // Conv2DOptions: padding, stride_w, stride_h, fused_activation_function, dilation_w_factor, dilation_h_factor.
  // DepthwiseConv2DOptions: padding, stride_w, stride_h, depth_multiplier, fused_activation_function, dilation_w_factor, dilation_h_factor.
  const depthwise = op.op === BuiltinOp.DEPTHWISE_CONV_2D ? 1 : 0;
  return {
    padding: o.byte(0),
    strides: [o.int(2), o.int(1)],
    activation: o.byte(3 + depthwise),
    dilations: [o.int(5 + depthwise, 1), o.int(4 + depthwise, 1)],
    depthMultiplier: depthwise ? o.int(3) : 1,
  };
}

export interface PoolOptions {
  padding: Padding;
  strides: [number, number];
  kernel: [number, number];
  activation: Activation;
}

/** Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function. */
export function poolOptions(op: TfliteOperator): PoolOptions {
  const o = op.options;
  if (!o) throw new Error('pooling without options');
  return {
    padding: o.byte(0),
    strides: [o.int(2), o.int(1)],
    kernel: [o.int(4), o.int(3)],
    activation: o.byte(5),
  };
}

/** FullyConnectedOptions: fused_activation_function, weights_format, keep_num_dims, asymmetric_quantize_inputs. */
export function fullyConnectedOptions(op: TfliteOperator): { activation: Activation; keepNumDims: boolean } {
  const o = op.options;
  if (o && o.byte(1) !== 0) throw new Error('fully connected: only the default weights format is supported');
  return { activation: o?.byte(0) ?? Activation.NONE, keepNumDims: o?.bool(2) ?? false };
}

/** AddOptions, SubOptions, MulOptions, DivOptions all start with fused_activation_function. */
export function elementwiseActivation(op: TfliteOperator): Activation {
  return op.options?.byte(0) ?? Activation.NONE;
}

/** ReshapeOptions: new_shape (used when the shape is not given as a second input). */
export function reshapeOptions(op: TfliteOperator): number[] | undefined {
  return op.options?.intVector(0)?.values;
}

/** ReducerOptions: keep_dims. */
export function reducerKeepDims(op: TfliteOperator): boolean {
  return op.options?.bool(0) ?? false;
}
