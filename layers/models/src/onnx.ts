/**
 * A minimal, deterministic ONNX writer: a graph builder and the protobuf wire encoding of the
 * few ONNX messages a model file needs (field numbers from onnx/onnx.proto, IR version 8).
 */

export const OPSET = 17;
const IR_VERSION = 8;

export enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
}

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface ValueInfo {
  name: string;
  elemType: DataType;
  /** A number is a fixed size; a string names a symbolic dimension (e.g. the batch); undefined: unknown. */
  shape?: (number | string)[];
}

/** Builds a graph node by node; names are made unique and stable from a counter. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh tensor name derived from a hint. */
  fresh(hint: string): string {
    this.counter += 1;
    return `${hint}__${this.counter}`;
  }

  input(info: ValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  output(info: ValueInfo): void {
    this.outputs.push(info);
  }

  constant(hint: string, data: Float32Array | Int32Array | BigInt64Array, dims: number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  int64s(hint: string, values: readonly number[]): string {
    return this.constant(hint, BigInt64Array.from(values, BigInt), [values.length]);
  }

  floats(hint: string, values: readonly number[], dims: number[] = [values.length]): string {
    return this.constant(hint, Float32Array.from(values), dims);
  }

  /** Adds one node and returns its first output's name. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(op);
    this.nodes.push({ op, inputs, outputs: [out], name: this.fresh(`${op}_node`), attrs });
    return out;
  }

  /** Adds one node with several outputs. */
  multi(op: string, inputs: string[], outputCount: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(op));
    this.nodes.push({ op, inputs, outputs, name: this.fresh(`${op}_node`), attrs });
    return outputs;
  }

  /** Serialises to an ONNX ModelProto. Same graph in, same bytes out. */
  toBytes(metadata: Record<string, string> = {}): Uint8Array {
    const w = new Writer();
    w.int(1, IR_VERSION);
    w.string(2, 'faceverify-converter');
    w.string(3, '1');
    w.message(7, encodeGraph(this));
    w.message(8, new Writer().string(1, '').int(2, OPSET));
    for (const [key, value] of Object.entries(metadata).sort(([a], [b]) => a.localeCompare(b))) {
      w.message(14, new Writer().string(1, key).string(2, value));
    }
    return w.finish();
  }
}

function encodeGraph(g: GraphBuilder): Writer {
  const w = new Writer();
  for (const node of g.nodes) w.message(1, encodeNode(node));
  w.string(2, g.name);
  for (const init of g.initializers) w.message(5, encodeTensor(init));
  for (const info of g.inputs) w.message(11, encodeValueInfo(info));
  for (const info of g.outputs) w.message(12, encodeValueInfo(info));
  return w;
}

export function encodeNode(node: OnnxNode): Writer {
  const w = new Writer();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attrs)) w.message(5, encodeAttribute(name, value));
  return w;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function encodeAttribute(name: string, value: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return w.int(3, value).int(20, ATTR_INT);
  }
  if (typeof value === 'string') return w.bytes(4, new TextEncoder().encode(value)).int(20, ATTR_STRING);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    return w.int(20, ATTR_INTS);
  }
  if ('float' in value) return w.float(2, value.float).int(20, ATTR_FLOAT);
  for (const v of value.floats) w.float(7, v);
  return w.int(20, ATTR_FLOATS);
}

function encodeTensor(t: Initializer): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  const type =
    t.data instanceof Float32Array
      ? DataType.FLOAT
      : t.data instanceof Int32Array
        ? DataType.INT32
        : DataType.INT64;
  w.int(2, type);
  w.string(8, t.name);
  // raw_data is little-endian, which is every platform Node runs on here.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w;
}

export function encodeValueInfo(info: ValueInfo): Writer {
  const tensorType = new Writer().int(1, info.elemType);
  if (info.shape) {
    const shape = new Writer();
    for (const d of info.shape) {
      shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
    }
    tensorType.message(2, shape);
  }
  return new Writer().string(1, info.name).message(2, new Writer().message(1, tensorType));
}

/** Protobuf wire-format writer (varint = 0, 32-bit = 5, length-delimited = 2). */
export class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(b);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    return this.push(value);
  }

  message(field: number, inner: Writer): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = value;
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private push(b: Uint8Array): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
}
