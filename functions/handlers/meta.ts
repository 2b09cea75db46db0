/** GET /health and GET /openapi.json: no model is loaded here, so both answer fast and cheap. */
import { httpHandler } from '../http/handler.ts';
import openapi from '../http/openapi.json' with { type: 'json' };
import { defaultModels, summarizeModels } from '../shared/models.ts';

const models = summarizeModels(await defaultModels());

export const handler = httpHandler({
  'GET /health': async () => ({ body: { status: 'ok', models } }),
  'GET /openapi.json': async () => ({ body: openapi, headers: { 'cache-control': 'public, max-age=300' } }),
});
