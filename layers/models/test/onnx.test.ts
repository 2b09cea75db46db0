/**
 * The ONNX writer: a tiny graph with every attribute kind (negative ints, floats, float lists, int
 * lists, strings), every initializer type, a symbolic batch dimension and metadata. onnxruntime runs
 * it against a hand-written reference; protobufjs, an independent decoder, reads the fields back.
 */
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { DataType, GraphBuilder, OPSET } from '../src/onnx.ts';

/** The part of onnx/onnx.proto (proto2) the writer emits, with its field numbers. */
const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional float f = 2; optional int64 i = 3; optional bytes s = 4;
  repeated float floats = 7; repeated int64 ints = 8; optional int32 type = 20;
}
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3;
  optional string op_type = 4; repeated AttributeProto attribute = 5;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2; optional string name = 8; optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1; optional string producer_name = 2; optional string producer_version = 3;
  optional GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

const ModelProto = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');

interface Decoded {
  ir_version: string;
  producer_name: string;
  opset_import: { domain?: string; version: string }[];
  metadata_props: { key: string; value: string }[];
  graph: {
    name: string;
    node: {
      op_type: string;
      input: string[];
      output: string[];
      attribute?: {
        name: string;
        type: number;
        i?: string;
        f?: number;
        s?: string;
        ints?: string[];
        floats?: number[];
      }[];
    }[];
    initializer: { name: string; data_type: number; dims: string[]; raw_data: string }[];
    input: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: object[] } } } }[];
    output: { name: string; type: { tensor_type: { elem_type: number; shape?: { dim: object[] } } } }[];
  };
}

function decode(bytes: Uint8Array): Decoded {
  return ModelProto.toObject(ModelProto.decode(bytes), {
    longs: String,
    bytes: String,
    arrays: true,
    defaults: false,
  }) as Decoded;
}

const [H, W] = [3, 4];
const ALPHA = 0.25;
const BIAS = [0.5, -1.25, 2, 0, 0.125, -3, 1.5];
const GAINS = [2, -1, 0];

/**
 * y = (Transpose[0,2,1](Pad_reflect(Softmax_axis−2(LeakyRelu(x)), last axis +1/+2) + BIAS)) · GAINS
 * last = Gather(x, [−1], axis −1)
 */
function tinyGraph(): GraphBuilder {
  const g = new GraphBuilder('tiny');
  const x = g.input({ name: 'x', elemType: DataType.FLOAT, shape: ['batch', H, W] });
  const leaky = g.node('LeakyRelu', [x], { alpha: { float: ALPHA } });
  const soft = g.node('Softmax', [leaky], { axis: -2 });
  const padded = g.node('Pad', [soft, g.int64s('pads', [0, 0, 1, 0, 0, 2])], { mode: 'reflect' });
  const bias = g.node('Constant', [], { value_floats: { floats: BIAS } });
  const biased = g.node('Add', [padded, bias]);
  const transposed = g.node('Transpose', [biased], { perm: [0, 2, 1] });
  const gains = g.node('Cast', [g.constant('gains', Int32Array.from(GAINS), [GAINS.length])], {
    to: DataType.FLOAT,
  });
  g.node('Mul', [transposed, gains], {}, 'y');
  g.output({ name: 'y', elemType: DataType.FLOAT, shape: ['batch', W + 3, H] });
  g.node('Gather', [x, g.constant('index', BigInt64Array.of(-1n), [1])], { axis: -1 }, 'last');
  g.output({ name: 'last', elemType: DataType.FLOAT });
  return g;
}

/** The same computation, written out by hand. */
function reference(x: Float32Array, batch: number): { y: number[]; last: number[] } {
  const y: number[] = [];
  const last: number[] = [];
  for (let n = 0; n < batch; n++) {
    const at = (i: number, j: number) => {
      const v = x[(n * H + i) * W + j] as number;
      return v < 0 ? ALPHA * v : v;
    };
    // Softmax over the rows (axis −2) of each column.
    const soft = (i: number, j: number) => {
      let sum = 0;
      for (let k = 0; k < H; k++) sum += Math.exp(at(k, j));
      return Math.exp(at(i, j)) / sum;
    };
    // Reflect padding of the last axis by 1 before and 2 after: columns 1,0,1,2,3,2,1.
    const source = [1, 0, 1, 2, 3, 2, 1];
    for (let j = 0; j < W + 3; j++)
      for (let i = 0; i < H; i++)
        y.push((soft(i, source[j] as number) + (BIAS[j] as number)) * (GAINS[i] as number));
    for (let i = 0; i < H; i++) last.push(x[(n * H + i) * W + W - 1] as number);
  }
  return { y, last };
}

describe('GraphBuilder', () => {
  it('round-trips a tiny graph through onnxruntime', async () => {
    const bytes = tinyGraph().toBytes({ purpose: 'test' });
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    for (const batch of [1, 3]) {
      const x = Float32Array.from({ length: batch * H * W }, (_, i) => Math.sin(i * 1.7) * 3);
      const out = await session.run({ x: new ort.Tensor('float32', x, [batch, H, W]) });
      const expected = reference(x, batch);
      expect(out.y?.dims).toEqual([batch, W + 3, H]);
      expect(out.last?.dims).toEqual([batch, H, 1]);
      Array.from(out.y?.data as Float32Array).forEach((v, i) => {
        expect(v).toBeCloseTo(expected.y[i] as number, 5);
      });
      expect(Array.from(out.last?.data as Float32Array)).toEqual(expected.last.map(Math.fround));
    }
    await session.release();
  });

  it('declares the symbolic batch dimension, as onnxruntime reads it', async () => {
    const session = await ort.InferenceSession.create(tinyGraph().toBytes());
    const [input] = session.inputMetadata;
    const [y, last] = session.outputMetadata;
    expect(input).toMatchObject({ name: 'x', isTensor: true, type: 'float32', shape: ['batch', H, W] });
    expect(y).toMatchObject({ name: 'y', isTensor: true, type: 'float32', shape: ['batch', W + 3, H] });
    expect(last).toMatchObject({ name: 'last', isTensor: true, type: 'float32' });
    await session.release();
  });

  it('writes fields an independent protobuf decoder reads back', () => {
    const model = decode(tinyGraph().toBytes({ source: 'pkg@1.2.3', licence: 'MIT' }));
    expect(model.ir_version).toBe('8');
    expect(model.producer_name).toBe('faceverify-converter');
    expect(model.opset_import).toEqual([{ domain: '', version: String(OPSET) }]);
    // Sorted by key, whatever order they were given in.
    expect(model.metadata_props).toEqual([
      { key: 'licence', value: 'MIT' },
      { key: 'source', value: 'pkg@1.2.3' },
    ]);

    const attrs = Object.fromEntries(
      model.graph.node.flatMap((n) => (n.attribute ?? []).map((a) => [`${n.op_type}.${a.name}`, a])),
    );
    // AttributeProto types: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7.
    expect(attrs['Softmax.axis']).toMatchObject({ type: 2, i: '-2' });
    expect(attrs['Gather.axis']).toMatchObject({ type: 2, i: '-1' });
    expect(attrs['LeakyRelu.alpha']).toMatchObject({ type: 1, f: ALPHA });
    expect(attrs['Pad.mode']).toMatchObject({ type: 3, s: Buffer.from('reflect').toString('base64') });
    expect(attrs['Transpose.perm']).toMatchObject({ type: 7, ints: ['0', '2', '1'] });
    expect(attrs['Constant.value_floats']).toMatchObject({ type: 6, floats: BIAS });
    expect(attrs['Cast.to']).toMatchObject({ type: 2, i: String(DataType.FLOAT) });

    const inits = Object.fromEntries(model.graph.initializer.map((t) => [t.name.split('__')[0], t]));
    expect(inits.pads).toMatchObject({ data_type: DataType.INT64, dims: ['6'] });
    expect(inits.gains).toMatchObject({ data_type: DataType.INT32, dims: ['3'] });
    expect(inits.index).toMatchObject({ data_type: DataType.INT64, dims: ['1'] });
    const raw = Buffer.from(inits.index?.raw_data ?? '', 'base64');
    expect(raw.readBigInt64LE(0)).toBe(-1n);

    const [input] = model.graph.input;
    expect(input?.type.tensor_type).toEqual({
      elem_type: DataType.FLOAT,
      shape: { dim: [{ dim_param: 'batch' }, { dim_value: String(H) }, { dim_value: String(W) }] },
    });
    // An output without a shape has none written.
    expect(model.graph.output[1]?.type.tensor_type).toEqual({ elem_type: DataType.FLOAT });
  });

  it('gives identical bytes for the same graph, whatever the metadata order', () => {
    const a = tinyGraph().toBytes({ one: '1', two: '2' });
    const b = tinyGraph().toBytes({ two: '2', one: '1' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = tinyGraph().toBytes({ one: '1', two: '3' });
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('names nodes and tensors stably from a counter', () => {
    const g = new GraphBuilder('names');
    expect(g.fresh('a')).toBe('a__1');
    expect(g.node('Relu', ['x'])).toBe('Relu__2');
    expect(g.nodes[0]?.name).toBe('Relu_node__3');
    expect(g.multi('Split', ['x'], 2)).toEqual(['Split__4', 'Split__5']);
  });

  it('refuses a non-integer number as an int attribute', () => {
    const g = new GraphBuilder('bad');
    g.node('LeakyRelu', ['x'], { alpha: 0.25 });
    expect(() => g.toBytes()).toThrow(/attribute alpha: use \{ float \} for non-integers/);
  });
});
