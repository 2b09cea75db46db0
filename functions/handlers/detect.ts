/** POST /detect: every face of one image, with landmarks and, on request, aligned crops. */
import { DETECT_OPTION_RANGES } from '../core/detector.ts';
import { httpHandler } from '../http/handler.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import { engine } from '../shared/engine.ts';
import { uploadedImageResolver } from '../shared/images.ts';
import { summarizeModels } from '../shared/models.ts';

const resolveImage = uploadedImageResolver();
const model = summarizeModels(engine.models);

const OPTIONS = {
  minScore: { type: 'number', ...DETECT_OPTION_RANGES.minScore },
  maxFaces: { type: 'number', ...DETECT_OPTION_RANGES.maxFaces },
  crops: { type: 'boolean' },
} as const;

export const handler = httpHandler({
  'POST /detect': async (request) => {
    const { images, fields } = await readImageRequest(request, ['image']);
    const options = readOptions(fields, OPTIONS);
    const bytes = await resolveImage(images.image, 'image');
    const { crops, ...result } = await engine.detect(bytes, options);
    const faces = result.faces.map((face, i) => {
      const crop = crops?.[i];
      return crop ? { ...face, crop: Buffer.from(crop).toString('base64') } : face;
    });
    return {
      body: { ...result, faces, model },
      log: { imageBytes: bytes.length, width: result.width, height: result.height, faces: faces.length },
    };
  },
});
