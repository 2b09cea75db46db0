/** The models behind the answers, as the API reports them: `{ detector: { name, version }, … }`. */
import { DEFAULT_MODELS, detectorName, type ModelInfo } from '../core/engine.ts';
import { findModel, loadManifest } from '../core/models.ts';

export type ModelRole = ModelInfo['role'];
export type ModelSummary = Partial<Record<ModelRole, { name: string; version: string }>>;

export function summarizeModels(models: readonly ModelInfo[]): ModelSummary {
  return Object.fromEntries(models.map(({ role, name, version }) => [role, { name, version }]));
}

/**
 * The models the engine loads by default (FACEVERIFY_DETECTOR included), read from the manifest
 * without loading them: what the model-free `meta` function reports for the functions that do.
 */
export async function defaultModels(): Promise<ModelInfo[]> {
  const manifest = await loadManifest();
  return Object.values({ ...DEFAULT_MODELS, detector: detectorName() }).map((name) => {
    const { role, source, sha256 } = findModel(manifest, name);
    return { name, role, version: source.version, sha256 };
  });
}
