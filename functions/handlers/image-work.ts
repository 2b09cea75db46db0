/** What the image routes' handlers share: the engine, the models their answers name, the image field reader. */
import type { FaceService } from '../core/engine.ts';
import { type ImageFieldReader, imageFieldReader } from '../http/images.ts';
import { type ModelSummary, summarizeModels } from '../shared/model-summary.ts';
import { decodeLimits } from '../shared/read-image.ts';
import type { Runtime } from '../shared/runtime.ts';

export interface ImageWork {
  engine: FaceService;
  model: ModelSummary;
  /** `{ s3 }` references may name the upload bucket only; every read within the engine's decode limits. */
  readImage: ImageFieldReader;
}

export async function imageWork(runtime: Runtime): Promise<ImageWork> {
  const engine = await runtime.engine();
  return {
    engine,
    model: summarizeModels(engine.models),
    readImage: imageFieldReader({
      s3: runtime.s3,
      allowedBucket: runtime.config.uploadBucket,
      limits: decodeLimits(runtime.config.engine),
    }),
  };
}
