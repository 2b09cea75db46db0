/** POST /verify: is the source image's face the same person as the target image's (or one of its faces)? */
import { SIMILARITY_RANGE } from '../core/compare.ts';
import { httpHandler } from '../http/handler.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import { engine } from '../shared/engine.ts';
import { uploadedImageResolver } from '../shared/images.ts';
import { summarizeModels } from '../shared/models.ts';

const resolveImage = uploadedImageResolver();
const model = summarizeModels(engine.models);

const OPTIONS = {
  threshold: { type: 'number', ...SIMILARITY_RANGE },
  allTargetFaces: { type: 'boolean' },
} as const;

export const handler = httpHandler({
  'POST /verify': async (request) => {
    const { images, fields } = await readImageRequest(request, ['source', 'target']);
    const options = readOptions(fields, OPTIONS);
    const [source, target] = await Promise.all([
      resolveImage(images.source, 'source'),
      resolveImage(images.target, 'target'),
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
});
