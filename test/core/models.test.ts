/** The model input the engine makes from RGB pixels: channel order and normalisation per the manifest. */
import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../../functions/core/manifest.ts';
import { findModel, loadManifest, normaliseInto, toInputTensor } from '../../functions/core/models.ts';

const PIXELS = Uint8Array.from([10, 20, 30, 200, 100, 0]);

function spec(colour: InputSpec['colour'], normalisation: InputSpec['normalisation']): InputSpec {
  return { name: 'input', shape: [-1, 1, 2, 3], layout: 'NHWC', colour, normalisation };
}

function normalised(input: InputSpec): number[] {
  const out = new Float32Array(PIXELS.length);
  normaliseInto(input, PIXELS, out);
  return Array.from(out);
}

describe('normaliseInto', () => {
  it('scales and offsets RGB pixels in place', () => {
    const out = normalised(spec('RGB', { scale: 1 / 128, offset: -127.5 / 128 }));
    const expected = Array.from(PIXELS, (v) => (v - 127.5) / 128);
    out.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 6);
    });
  });

  it('swaps to BGR and takes one offset per channel of the model', () => {
    const out = normalised(spec('BGR', { scale: 1, offset: [-100, -50, -10] }));
    expect(out).toEqual([30 - 100, 20 - 50, 10 - 10, 0 - 100, 100 - 50, 200 - 10]);
  });

  it('writes from the given position, leaving the rest', () => {
    const out = new Float32Array(PIXELS.length + 3).fill(7);
    normaliseInto(spec('RGB', { scale: 2, offset: 0 }), PIXELS.subarray(0, 3), out, 3);
    expect(Array.from(out.subarray(0, 6))).toEqual([7, 7, 7, 20, 40, 60]);
  });
});

describe('toInputTensor', () => {
  it('feeds faceres BGR less the VGG mean pixel, as the manifest says', async () => {
    const faceres = findModel(await loadManifest(), 'faceres');
    const [, h = 0, w = 0] = faceres.input.shape;
    const image = new Uint8Array(h * w * 3);
    image.set([255, 128, 0]);
    const tensor = toInputTensor(faceres, [image, image]);
    expect(tensor.dims).toEqual([2, h, w, 3]);
    const data = tensor.data as Float32Array;
    const expected = [0 - 103.939, 128 - 116.779, 255 - 123.68];
    expected.forEach((v, i) => {
      expect(data[i], `channel ${i}`).toBeCloseTo(v, 4);
    });
    expect(data[h * w * 3]).toBeCloseTo(-103.939, 3);
  });

  it('refuses an image of the wrong size', async () => {
    const faceres = findModel(await loadManifest(), 'faceres');
    expect(() => toInputTensor(faceres, [new Uint8Array(3)])).toThrow(RangeError);
  });
});
