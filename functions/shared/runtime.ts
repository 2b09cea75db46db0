/**
 * What an entry point builds once from its RuntimeConfig and hands to every handler it serves: the
 * configuration, one S3 client, and one engine, loaded on first need and shared after (models load
 * once per process: at Lambda init for the functions that need them, once for all routes locally).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CollectionStore } from '../collections/store.ts';
import type { FaceService } from '../core/engine.ts';
import { startFaceService } from './face-service.ts';
import { logger } from './observability.ts';
import type { CollectionsConfig, RuntimeConfig } from './runtime-config.ts';
import { createS3Client } from './s3.ts';

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly s3: S3Client;
  engine(): Promise<FaceService>;
  /** The collections store, opened on first need. */
  collections(): CollectionStore;
  /** Closes what it opened (the local server's stop): the store, the engine's workers. */
  close(): Promise<void>;
}

/**
 * Opens the store a configuration names. The entry point chooses it, so a Lambda bundle carries the
 * AWS store only and the local server SQLite only.
 */
export type CollectionsOpener = (config: CollectionsConfig) => CollectionStore;

export interface RuntimeParts {
  s3?: S3Client;
  openCollections?: CollectionsOpener;
}

export function createRuntime(config: RuntimeConfig, parts: RuntimeParts = {}): Runtime {
  const { s3 = createS3Client(config.s3Endpoint), openCollections = noCollections } = parts;
  let loading: Promise<FaceService> | undefined;
  let store: CollectionStore | undefined;
  return {
    config,
    s3,
    engine() {
      loading ??= loadEngine(config);
      return loading;
    },
    collections() {
      store ??= openCollections(config.collections);
      return store;
    },
    async close() {
      await store?.close();
      await (await loading?.catch(() => undefined))?.close();
    },
  };
}

function noCollections(): never {
  throw new Error('this process was started without a collections store');
}

async function loadEngine(config: RuntimeConfig): Promise<FaceService> {
  const started = performance.now();
  const engine = await startFaceService(config.engine, config.workers, (lost) =>
    logger.warn('an engine worker stopped: its requests were answered 503, a new one replaces it', {
      threadId: lost.threadId,
      exitCode: lost.exitCode,
      error: lost.error?.message,
    }),
  );
  logger.info('models loaded', {
    loadMs: Math.round(performance.now() - started),
    workers: config.workers,
    models: engine.models.map(({ name, version }) => `${name}@${version}`),
  });
  return engine;
}
