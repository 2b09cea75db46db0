/** The models behind the answers, as the API reports them: `{ detector: { name, version }, … }`. */
import { DEFAULT_MODELS, detectorName, type ModelInfo } from '../core/engine.ts';
import { findModel, loadManifest } from '../core/models.ts';

export type ModelRole = ModelInfo['role'];

export interface ModelRef {
  name: string;
  version: string;
  /** For a fusion of several embedders (named `a+b`, versions `va+vb`): each one and its weight. */
  parts?: { name: string; version: string; weight: number }[];
}

export type ModelSummary = Partial<Record<ModelRole, ModelRef>>;

export function summarizeModels(models: readonly ModelInfo[]): ModelSummary {
  const summary: ModelSummary = {};
  for (const role of new Set(models.map((m) => m.role))) {
    const ofRole = models.filter((m) => m.role === role);
    const [only] = ofRole;
    summary[role] =
      ofRole.length === 1 && only
        ? { name: only.name, version: only.version }
        : {
            name: ofRole.map((m) => m.name).join('+'),
            version: ofRole.map((m) => m.version).join('+'),
            parts: ofRole.map(({ name, version, weight }) => ({ name, version, weight: weight ?? 1 })),
          };
  }
  return summary;
}

/**
 * The models the engine loads by default (FACEVERIFY_DETECTOR included), read from the manifest
 * without loading them: what the model-free `meta` function reports for the functions that do.
 */
export async function defaultModels(): Promise<ModelInfo[]> {
  const manifest = await loadManifest();
  const info = (name: string, weight?: number): ModelInfo => {
    const { role, source, sha256 } = findModel(manifest, name);
    return { name, role, version: source.version, sha256, ...(weight === undefined ? {} : { weight }) };
  };
  const fusion = manifest.fusions?.find((f) => f.name === DEFAULT_MODELS.embedder);
  return [
    info(detectorName()),
    info(DEFAULT_MODELS.landmarks),
    ...(fusion ? fusion.embedders.map((e) => info(e.name, e.weight)) : [info(DEFAULT_MODELS.embedder)]),
  ];
}
