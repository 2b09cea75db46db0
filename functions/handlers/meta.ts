/** GET /health and GET /openapi.json: no model is loaded here, so both answer fast and cheap. */
import { engineModels } from '../core/engine.ts';
import type { Handlers } from '../http/dispatch.ts';
import openapi from '../http/openapi.json' with { type: 'json' };
import { summarizeModels } from '../shared/model-summary.ts';
import type { Runtime } from '../shared/runtime.ts';

export async function metaHandlers(runtime: Runtime): Promise<Handlers<'meta'>> {
  // The models the image functions load with the same configuration, read from the manifest: loading
  // them here would cost this small function the engine's memory and start-up.
  const models = summarizeModels(await engineModels(runtime.config.engine));
  return {
    health: async () => ({ body: { status: 'ok', models } }),
    openapi: async () => ({ body: openapi, headers: { 'cache-control': 'public, max-age=300' } }),
  };
}
