import { beforeAll, describe, expect, it } from 'vitest';
import { Embedder, flipHorizontal } from '../../functions/core/embedder.ts';
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
