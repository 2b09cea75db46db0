/** GET /health and GET /openapi.json: no model is loaded here, so both answer fast and cheap. */
import { engineModels } from '../core/engine.ts';
import { httpHandler } from '../http/handler.ts';
import openapi from '../http/openapi.json' with { type: 'json' };
import { engineConfig } from '../shared/engine-config.ts';
import { summarizeModels } from '../shared/models.ts';

// The models the image functions load with the same environment, read from the manifest: loading them
// here would cost this small function the engine's memory and start-up.
const models = summarizeModels(await engineModels(engineConfig()));

export const handler = httpHandler({
  'GET /health': async () => ({ body: { status: 'ok', models } }),
  'GET /openapi.json': async () => ({ body: openapi, headers: { 'cache-control': 'public, max-age=300' } }),
});
