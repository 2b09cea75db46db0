/**
 * Configuration as the environment sets it, read once by each entry point (a Lambda function's entry
 * under functions/lambda/, the local server's main, the CLI, the scripts) and handed down from there:
 * no module below an entry point reads the environment, and the engine reads none itself.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../core/engine.ts';
import { AUTH_MODES, type AuthMode, ENVIRONMENT } from './contract.ts';
import { dataDir } from './data-dir.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

/** What the functions' handlers need of their deployment. */
export interface RuntimeConfig {
  /** What the engine loads, and the decode limits every image read honours. */
  engine: EngineConfig;
  /** Engine worker threads; 1 runs the engine on the main thread. */
  workers: number;
  /** Where the caller's identity comes from on the caller-authorized routes. */
  auth: AuthMode;
  /** The presigned-upload bucket: /uploads writes to it, and `{ s3 }` image references may name it only. */
  uploadBucket: string | undefined;
  /** The drop folder's bucket (the drop function). */
  dropBucket: string | undefined;
  /** An S3 endpoint other than AWS's (the local S3 of `npm start`). */
  s3Endpoint: string | undefined;
  /** Where collections live. */
  collections: CollectionsConfig;
}

/**
 * A deployment's DynamoDB table and S3 vector bucket (infra/collections-store.ts sets both), or else the
 * SQLite database `npm start` and the CLI share, in the data folder.
 */
export type CollectionsConfig =
  | { store: 'aws'; table: string; vectorBucket: string }
  | { store: 'sqlite'; database: string };

export function collectionsConfig(env: Environment = process.env): CollectionsConfig {
  const table = env[ENVIRONMENT.collectionsTable];
  const vectorBucket = env[ENVIRONMENT.vectorBucket];
  if (table && vectorBucket) return { store: 'aws', table, vectorBucket };
  if (table || vectorBucket) {
    throw new Error(
      `${ENVIRONMENT.collectionsTable} and ${ENVIRONMENT.vectorBucket} are set together or not at all`,
    );
  }
  return { store: 'sqlite', database: collectionsDatabase(dataDir(env)) };
}

/** The SQLite database `npm start` and the CLI share, in the data folder. */
export function collectionsDatabase(dataDir: string): string {
  return join(dataDir, 'collections.db');
}

export function engineConfig(env: Environment = process.env): EngineConfig {
  const config: EngineConfig = {};
  const modelsDir = env[ENVIRONMENT.modelsDir];
  const detector = env[ENVIRONMENT.detector];
  if (modelsDir) config.modelsDir = modelsDir;
  if (detector) config.detector = detector;
  return config;
}

export function runtimeConfig(env: Environment = process.env): RuntimeConfig {
  return {
    engine: engineConfig(env),
    workers: workerCount(env),
    auth: authMode(env),
    uploadBucket: env[ENVIRONMENT.uploadBucket] || undefined,
    dropBucket: env[ENVIRONMENT.dropBucket] || undefined,
    s3Endpoint: env[ENVIRONMENT.s3Endpoint] || undefined,
    collections: collectionsConfig(env),
  };
}

/**
 * FACEVERIFY_WORKERS, else one worker per core the process sees (on Lambda, the vCPUs its memory buys);
 * 1 runs the engine on the main thread as before the pool.
 */
export function workerCount(env: Environment = process.env): number {
  const value = env[ENVIRONMENT.workers];
  if (!value) return availableParallelism();
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(
      `${ENVIRONMENT.workers} must be a whole number from 1 to 64, not ${JSON.stringify(value)}`,
    );
  }
  return workers;
}

/** `none` when unset: the local server's default, and every deployed function has it set. */
export function authMode(env: Environment = process.env): AuthMode {
  const value = env[ENVIRONMENT.auth] || 'none';
  const mode = AUTH_MODES.find((m) => m === value);
  if (!mode) {
    throw new Error(
      `${ENVIRONMENT.auth} must be one of ${AUTH_MODES.join(', ')}, not ${JSON.stringify(value)}`,
    );
  }
  return mode;
}
