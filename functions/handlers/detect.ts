/** POST /detect: every face of one image, with landmarks and, on request, aligned crops. */
import { DETECT_OPTION_RANGES } from '../core/detector.ts';
import type { Handlers } from '../http/dispatch.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import type { Runtime } from '../shared/runtime.ts';
import { imageWork } from './image-work.ts';

const OPTIONS = {
  minScore: { type: 'number', ...DETECT_OPTION_RANGES.minScore },
  maxFaces: { type: 'number', ...DETECT_OPTION_RANGES.maxFaces },
  crops: { type: 'boolean' },
} as const;

export async function detectHandlers(runtime: Runtime): Promise<Handlers<'detect'>> {
  const { engine, model, readImage } = await imageWork(runtime);
  return {
    detect: async (request) => {
      const { images, fields } = await readImageRequest(request, ['image']);
      const options = readOptions(fields, OPTIONS);
      const bytes = await readImage(images.image, 'image');
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
  };
}
