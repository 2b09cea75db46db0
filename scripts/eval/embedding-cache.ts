/**
 * A file of per-image embeddings for repeated evaluation runs (`--cache FILE`, kept outside the
 * repository): the face verify compares in each image with its pose, or that none was found, keyed
 * by the image's path and by the models that made it (names, sha256, fusion weights, flip), so a run
 * with other models never reads another's vectors.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { flips } from '../../functions/core/embedder.ts';
import type { ModelInfo } from '../../functions/core/engine.ts';
import type { Manifest } from '../../functions/core/manifest.ts';
import { findModel } from '../../functions/core/models.ts';
import type { Pose } from '../../functions/core/types.ts';

export interface CachedFace {
  embedding: Float32Array;
  pose: Pose;
}

interface StoredFace {
  /** Base64 of the Float32Array's bytes. */
  embedding: string;
  pose: Pose;
}

/** What makes an embedding: each model by name and sha256, a fused embedder's weights, each embedder's flip. */
export function modelsKey(models: readonly ModelInfo[], manifest: Manifest): string {
  return models
    .map((m) => {
      const flip = m.role === 'embedder' ? `:flip=${flips(findModel(manifest, m.name, 'embedder'))}` : '';
      const weight = m.weight === undefined ? '' : `:w=${m.weight}`;
      return `${m.name}@${m.sha256.slice(0, 16)}${weight}${flip}`;
    })
    .join('+');
}

export class EmbeddingCache {
  private changed = 0;

  private constructor(
    private readonly file: string | undefined,
    /** models key → image path → its face, or null when none was found. */
    private readonly entries: Record<string, Record<string, StoredFace | null>>,
  ) {}

  /** The cache kept in `file`, or one in memory only without a file. */
  static async open(file: string | undefined): Promise<EmbeddingCache> {
    const entries = file && existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
    return new EmbeddingCache(file, entries);
  }

  /** The cached face, null when none was found, undefined when not cached. */
  get(models: string, path: string): CachedFace | null | undefined {
    const stored = this.entries[models]?.[path];
    if (stored === undefined || stored === null) return stored;
    const bytes = Buffer.from(stored.embedding, 'base64');
    const embedding = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    return { embedding, pose: stored.pose };
  }

  async set(models: string, path: string, face: CachedFace | null): Promise<void> {
    this.entries[models] ??= {};
    const stored = face && {
      embedding: Buffer.from(
        face.embedding.buffer,
        face.embedding.byteOffset,
        face.embedding.byteLength,
      ).toString('base64'),
      pose: face.pose,
    };
    (this.entries[models] as Record<string, StoredFace | null>)[path] = stored;
    // Saved now and then, so an interrupted run keeps most of its work.
    if (++this.changed % 250 === 0) await this.save();
  }

  async save(): Promise<void> {
    if (!this.file || this.changed === 0) return;
    await writeFile(`${this.file}.tmp`, JSON.stringify(this.entries));
    await rename(`${this.file}.tmp`, this.file);
  }
}
