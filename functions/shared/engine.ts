/**
 * The process's one engine, loaded when the first handler that needs it is imported: at Lambda init,
 * outside the handler, and once for all routes in the local server.
 */
import { FaceEngine } from '../core/engine.ts';
import { engineConfig } from './engine-config.ts';
import { logger } from './observability.ts';

const started = performance.now();
export const engine = await FaceEngine.load(engineConfig());
logger.info('models loaded', {
  loadMs: Math.round(performance.now() - started),
  models: engine.models.map(({ name, version }) => `${name}@${version}`),
});
