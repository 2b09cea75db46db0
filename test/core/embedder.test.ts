import { beforeAll, describe, expect, it } from 'vitest';
import { Embedder, flipHorizontal, viewSignals } from '../../functions/core/embedder.ts';
import type { EntryOf } from '../../functions/core/manifest.ts';
import {
  DEFAULT_MODELS_DIR,
  findModel,
  type LoadedModel,
  loadManifest,
  openModel,
} from '../../functions/core/models.ts';
import type { RgbImage } from '../../functions/core/types.ts';
import { noiseBytes } from './fixtures.ts';

let dlib: LoadedModel<EntryOf<'embedder'>>;
let mobilefacenet: LoadedModel<EntryOf<'embedder'>>;

beforeAll(async () => {
  const manifest = await loadManifest();
  [dlib, mobilefacenet] = await Promise.all([
    openModel(findModel(manifest, 'dlib-resnet', 'embedder'), DEFAULT_MODELS_DIR),
    openModel(findModel(manifest, 'mobilefacenet', 'embedder'), DEFAULT_MODELS_DIR),
  ]);
});

function noise(size: number): RgbImage {
  return { width: size, height: size, data: noiseBytes(size * size * 3, size) };
}

describe('Embedder: flip test-time augmentation', () => {
  it("follows the model's manifest setting unless told otherwise", () => {
    expect(new Embedder(dlib).flip).toBe(true);
    expect(new Embedder(mobilefacenet).flip).toBe(false);
    expect(new Embedder(mobilefacenet, true).flip).toBe(true);
    expect(new Embedder(dlib, false).flip).toBe(false);
  });

  it('embeds a crop and its mirror image alike only when it flips', async () => {
    for (const model of [dlib, mobilefacenet]) {
      const size = model.spec.input.shape[1] as number;
      const crop = noise(size);
      for (const flip of [true, false]) {
        const embedder = new Embedder(model, flip);
        const [a, b] = await embedder.embed([crop, flipHorizontal(crop)]);
        if (flip) expect(b, `${model.spec.name} flipping`).toEqual(a);
        else expect(b, `${model.spec.name} not flipping`).not.toEqual(a);
      }
    }
  });
});

describe('viewSignals', () => {
  const v = (...xs: number[]) => Float32Array.from(xs);

  it('reads the raw length and how far the mirror and the second alignment lie', () => {
    const signals = viewSignals([
      { crop: v(3, 4), mirror: v(3, 4) },
      { crop: v(0, 10), mirror: v(10, 0) },
    ]);
    expect(signals.norm).toBeCloseTo(Math.log(7.5), 12);
    // Mirror cosines 1 and 0: their mean 0.5 lies −ln(0.5) apart.
    expect(signals.flip).toBeCloseTo(Math.log(2), 6);
    expect(signals.alignment).toBeCloseTo(-Math.log(1 - 0.8), 6);
  });

  it('gives no flip signal without mirrors, no alignment signal with one view, and stays finite', () => {
    expect(viewSignals([{ crop: v(1, 1) }])).toEqual({ norm: Math.log(Math.SQRT2) });
    expect(viewSignals([{ crop: v(1, 0) }, { crop: v(2, 0) }]).alignment).toBeCloseTo(-Math.log(1e-4), 9);
  });
});

describe('Embedder: view signals', () => {
  it('gives each face its own model’s signals under the model’s name, from the same run', async () => {
    const embedder = new Embedder(dlib);
    const image = noise(200);
    const at = (dx: number) => ({
      leftEye: [70 + dx, 80] as [number, number],
      rightEye: [130 + dx, 80] as [number, number],
      nose: [100 + dx, 110] as [number, number],
      mouthLeft: [75 + dx, 140] as [number, number],
      mouthRight: [125 + dx, 140] as [number, number],
    });
    const [two, one] = await embedder.embedFaces(image, [[at(0), at(3)], [at(0)]]);
    expect(Object.keys(two?.views ?? {})).toEqual(['dlib-resnet']);
    const signals = two?.views['dlib-resnet'];
    expect(signals?.flip).toBeGreaterThan(0);
    expect(signals?.alignment).toBeGreaterThan(0);
    expect(one?.views['dlib-resnet']?.alignment).toBeUndefined();
    // The first view alone embeds as embed() embeds its crop.
    const [alone] = await embedder.embed([await embedder.align(image, at(0))]);
    expect(one?.embedding).toEqual(alone);
  });
});
