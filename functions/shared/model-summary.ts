/** The models behind the answers, as the API reports them: `{ detector: { name, version }, … }`. */
import type { ModelInfo } from '../core/engine.ts';

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
