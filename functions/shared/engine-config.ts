/**
 * The engine's configuration as the environment sets it, resolved once by each entry point (the
 * Lambda functions and the local server through shared/engine.ts and the meta handler, the CLI,
 * the scripts) and passed to the engine, which reads no environment itself.
 */
import type { EngineConfig } from '../core/engine.ts';
import { ENVIRONMENT } from './contract.ts';

export function engineConfig(env: Readonly<Record<string, string | undefined>> = process.env): EngineConfig {
  const config: EngineConfig = {};
  const modelsDir = env[ENVIRONMENT.modelsDir];
  const detector = env[ENVIRONMENT.detector];
  if (modelsDir) config.modelsDir = modelsDir;
  if (detector) config.detector = detector;
  return config;
}
