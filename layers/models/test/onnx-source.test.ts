/**
 * Adapting a model a package ships as ONNX: the wire-format reader, and the NHWC input put in front
 * of an NCHW graph, run in onnxruntime against the original on the same pixels.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { packageFile } from '../src/catalog.ts';
import { DataType, GraphBuilder } from '../src/onnx.ts';
import { nhwcInput, readFields } from '../src/onnx-source.ts';

/** A small NCHW graph: y = per-channel weights × x + 1, so a wrong transpose moves values. */
function nchwModel(): Uint8Array {
  const g = new GraphBuilder('nchw');
  const x = g.input({ name: 'data', elemType: DataType.FLOAT, shape: [1, 3, 2, 4] });
  const w = g.floats('w', [1, 10, 100], [1, 3, 1, 1]);
  const y = g.node('Add', [g.node('Mul', [x, w]), g.floats('one', [1])], {}, 'y');
  g.output({ name: y, elemType: DataType.FLOAT, shape: [1, 3, 2, 4] });
  return g.toBytes();
}

function toNchw(nhwc: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) out[c * h * w + i] = nhwc[i * 3 + c] as number;
  return out;
}

describe('readFields', () => {
  it('walks varint, fixed and length-delimited fields in order', () => {
    // field 1 varint 300, field 2 bytes "hi", field 5 fixed32, field 3 fixed64
    const bytes = Uint8Array.from([
      0x08, 0xac, 0x02, 0x12, 0x02, 0x68, 0x69, 0x2d, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    const fields = readFields(bytes);
    expect(fields.map((f) => f.field)).toEqual([1, 2, 5, 3]);
    expect(new TextDecoder().decode(fields[1]?.payload)).toBe('hi');
    expect(fields.map((f) => f.raw.length)).toEqual([3, 4, 5, 9]);
  });

  it('refuses truncated input', () => {
    expect(() => readFields(Uint8Array.from([0x12, 0x05, 0x68]))).toThrow(/past the end/);
    expect(() => readFields(Uint8Array.from([0x08, 0xac]))).toThrow(/truncated/);
  });
});

describe('nhwcInput', () => {
  it('feeds the NCHW graph from an NHWC input and changes nothing else', async () => {
    const source = nchwModel();
    const adapted = await ort.InferenceSession.create(nhwcInput(source, 'data', [1, 2, 4, 3]));
    const original = await ort.InferenceSession.create(source);
    expect(adapted.inputNames).toEqual(['input']);
    const nhwc = Float32Array.from({ length: 24 }, (_, i) => i);
    const a = await adapted.run({ input: new ort.Tensor('float32', nhwc, [1, 2, 4, 3]) });
    const b = await original.run({ data: new ort.Tensor('float32', toNchw(nhwc, 2, 4), [1, 3, 2, 4]) });
    const y = Array.from(a.y?.data as Float32Array);
    expect(y).toEqual(Array.from(b.y?.data as Float32Array));
    // Pixel 1's red channel (input 3) lands in the red plane with weight 1.
    expect(y[1]).toBe(3 * 1 + 1);
  });

  it('names the input it cannot find', () => {
    expect(() => nhwcInput(nchwModel(), 'image', [1, 2, 4, 3])).toThrow(/no input named image/);
  });

  it('gives RetinaFace the same outputs on the same photo-like input', async () => {
    const source = readFileSync(packageFile('retinaface', 'mnet.25_v1.onnx'));
    const adapted = await ort.InferenceSession.create(nhwcInput(source, 'data', [1, 512, 512, 3]));
    const original = await ort.InferenceSession.create(source);
    const nhwc = Float32Array.from({ length: 512 * 512 * 3 }, (_, i) => (i * 7919) % 256);
    const a = await adapted.run({ input: new ort.Tensor('float32', nhwc, [1, 512, 512, 3]) });
    const b = await original.run({
      data: new ort.Tensor('float32', toNchw(nhwc, 512, 512), [1, 3, 512, 512]),
    });
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const name of Object.keys(b)) {
      expect(Array.from(a[name]?.data as Float32Array)).toEqual(Array.from(b[name]?.data as Float32Array));
    }
  });
});
