/** The drop folder's ports in memory: a bucket with S3's conditional writes, and an engine that reads text "images". */
import { createHash } from 'node:crypto';
import type { DetectResponse, ImageRole, ModelInfo, VerifyResponse } from '../../functions/core/engine.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import type { Face, RgbImage } from '../../functions/core/types.ts';
import type { ObjectCreated } from '../../functions/drop/events.ts';
import type { DropEngine } from '../../functions/drop/process.ts';
import type { DropStore, StoredJson, StoredObject, WriteCondition } from '../../functions/drop/store.ts';

interface Entry {
  bytes: Uint8Array;
  eTag: string;
}

export class MemoryStore implements DropStore {
  readonly objects = new Map<string, Entry>();
  private writes = 0;

  /** An upload, and the event S3 would send for it. */
  upload(key: string, content: string | Uint8Array): ObjectCreated {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const eTag = createHash('md5').update(bytes).digest('hex');
    this.objects.set(key, { bytes, eTag });
    return { bucket: 'drop', key, eTag };
  }

  json(key: string): unknown {
    const entry = this.objects.get(key);
    return entry && JSON.parse(new TextDecoder().decode(entry.bytes));
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return this.keys()
      .filter((key) => key.startsWith(prefix))
      .map((key) => {
        const { bytes, eTag } = this.objects.get(key) as Entry;
        return { key, eTag, size: bytes.length };
      });
  }

  async read(key: string): Promise<{ bytes: Uint8Array; eTag: string } | undefined> {
    return this.objects.get(key);
  }

  async readJson(key: string): Promise<StoredJson | undefined> {
    const entry = this.objects.get(key);
    return entry && { value: this.json(key), eTag: entry.eTag };
  }

  async writeJson(key: string, value: unknown, condition: WriteCondition): Promise<boolean> {
    const existing = this.objects.get(key);
    const holds = 'ifMatch' in condition ? existing?.eTag === condition.ifMatch : existing === undefined;
    if (!holds) return false;
    this.objects.set(key, {
      bytes: new TextEncoder().encode(JSON.stringify(value)),
      eTag: `w${++this.writes}`,
    });
    return true;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}

const FACE: Face = {
  box: { x: 10, y: 10, width: 50, height: 50 },
  score: 0.9,
  landmarks: {
    leftEye: [20, 20],
    rightEye: [40, 20],
    nose: [30, 30],
    mouthLeft: [22, 45],
    mouthRight: [38, 45],
  },
};
const TIMINGS = { decode: 1, detect: 1, align: 1, embed: 1, total: 4 };

/**
 * "face:<person>" is a photo of that person, "blank" an image without a face, anything else is not an
 * image. Two photos match when they show the same person.
 */
export class TextEngine implements DropEngine {
  readonly threshold = 0.5;
  readonly models: ModelInfo[] = [{ name: 'text-embedder', role: 'embedder', version: '1', sha256: '0' }];

  private async decode(bytes: Uint8Array, image?: ImageRole): Promise<RgbImage> {
    const text = new TextDecoder().decode(bytes);
    if (!text.startsWith('face:') && text !== 'blank') {
      throw new FaceVerifyError('UnsupportedMediaType', 'The upload is not an image.', {
        ...(image && { details: { image } }),
      });
    }
    return { data: bytes, width: 64, height: 64 };
  }

  /** As FaceEngine.verify: both images decoded first, every error naming its image, the source's first. */
  async verify(source: Uint8Array, target: Uint8Array): Promise<VerifyResponse> {
    await this.decode(source, 'source');
    await this.decode(target, 'target');
    const [a, b] = [this.person(source, 'source'), this.person(target, 'target')];
    const similarity = a === b ? 0.9 : 0.1;
    return {
      match: a === b,
      similarity,
      threshold: this.threshold,
      far: a === b ? 0.0001 : 0.3,
      pose: 'frontal',
      source: FACE,
      target: FACE,
      poorFaces: [],
      timings: TIMINGS,
    };
  }

  async detect(bytes: Uint8Array): Promise<DetectResponse> {
    await this.decode(bytes);
    const faces = new TextDecoder().decode(bytes) === 'blank' ? [] : [FACE];
    return { width: 64, height: 64, faces, timings: TIMINGS };
  }

  private person(bytes: Uint8Array, image: ImageRole): string {
    const text = new TextDecoder().decode(bytes);
    if (text === 'blank') {
      throw new FaceVerifyError('NoFaceDetected', `No face was found in the ${image} image.`, {
        details: { image },
      });
    }
    return text.slice('face:'.length);
  }
}

export const TEXT_FACE = FACE;
export const TEXT_TIMINGS = TIMINGS;
export const TEXT_MODEL = { embedder: { name: 'text-embedder', version: '1' } };
