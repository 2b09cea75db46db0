/** POST /verify: is the source image's face the same person as the target image's (or one of its faces)? */
import { SIMILARITY_RANGE } from '../core/compare.ts';
import type { Handlers } from '../http/dispatch.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import type { Runtime } from '../shared/runtime.ts';
import { imageWork } from './image-work.ts';

const OPTIONS = {
  threshold: { type: 'number', ...SIMILARITY_RANGE },
  allTargetFaces: { type: 'boolean' },
} as const;

export async function verifyHandlers(runtime: Runtime): Promise<Handlers<'verify'>> {
  const { engine, model, readImage } = await imageWork(runtime);
  return {
    verify: async (request) => {
      const { images, fields } = await readImageRequest(request, ['source', 'target']);
      const options = readOptions(fields, OPTIONS);
      const [source, target] = await Promise.all([
        readImage(images.source, 'source'),
        readImage(images.target, 'target'),
      ]);
      const result = await engine.verify(source, target, options);
      return {
        body: { ...result, model },
        log: {
          sourceBytes: source.length,
          targetBytes: target.length,
          match: result.match,
          similarity: result.similarity,
        },
      };
    },
  };
}
