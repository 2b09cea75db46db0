/**
 * Models a package already ships as ONNX: the graph and weights are kept byte for byte, and only the
 * input is adapted to the engine's convention (one NHWC tensor named `input`) by a leading Transpose.
 */
import { DataType, encodeNode, encodeValueInfo, Writer } from './onnx.ts';

interface Field {
  field: number;
  /** The whole field as it appears on the wire: tag, length prefix and payload. */
  raw: Uint8Array;
  /** The payload of a length-delimited field. */
  payload?: Uint8Array;
}

const GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const VALUE_INFO_NAME = 1;

/** The top-level fields of one protobuf message, in order. */
export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new RangeError('protobuf: truncated varint');
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
      shift *= 128;
    }
  };
  while (at < bytes.length) {
    const start = at;
    const tag = varint();
    const wireType = tag & 7;
    let payload: Uint8Array | undefined;
    if (wireType === 0) varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      payload = bytes.subarray(at, at + length);
      at += length;
    } else throw new RangeError(`protobuf: unsupported wire type ${wireType}`);
    if (at > bytes.length) throw new RangeError('protobuf: field runs past the end');
    fields.push({ field: Math.floor(tag / 8), raw: bytes.subarray(start, at), payload });
  }
  return fields;
}

function isInput(field: Field, name: string): boolean {
  if (field.field !== GRAPH_INPUT || !field.payload) return false;
  const named = readFields(field.payload).find((f) => f.field === VALUE_INFO_NAME)?.payload;
  return named !== undefined && new TextDecoder().decode(named) === name;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return new Writer().bytes(field, payload).finish();
}

/**
 * The model with its NCHW float input `from` fed by a Transpose from a new NHWC input `input` of
 * `shape` (N, H, W, C). Everything else in the file is copied unchanged.
 */
export function nhwcInput(model: Uint8Array, from: string, shape: readonly number[]): Uint8Array {
  const modelFields = readFields(model);
  const graph = modelFields.find((f) => f.field === GRAPH)?.payload;
  if (!graph) throw new Error('not an ONNX model: no graph');
  const graphFields = readFields(graph);
  if (!graphFields.some((f) => isInput(f, from))) {
    throw new Error(`the model has no input named ${from}`);
  }
  const transpose = encodeNode({
    op: 'Transpose',
    inputs: ['input'],
    outputs: [from],
    name: 'input_nhwc_to_nchw',
    attrs: { perm: [0, 3, 1, 2] },
  }).finish();
  const input = encodeValueInfo({ name: 'input', elemType: DataType.FLOAT, shape: [...shape] }).finish();
  // Repeated fields keep their order on the wire, so the Transpose written first stays the first node.
  const newGraph = concat([
    lengthDelimited(GRAPH_NODE, transpose),
    ...graphFields.filter((f) => !isInput(f, from)).map((f) => f.raw),
    lengthDelimited(GRAPH_INPUT, input),
  ]);
  return concat(modelFields.map((f) => (f.field === GRAPH ? lengthDelimited(GRAPH, newGraph) : f.raw)));
}
