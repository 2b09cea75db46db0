/**
 * What an entry point builds once from its RuntimeConfig and hands to every handler it serves: the
 * configuration, one S3 client, and one engine, loaded on first need and shared after (models load
 * once per process: at Lambda init for the functions that need them, once for all routes locally).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CollectionStore } from '../collections/store.ts';
import { FaceEngine } from '../core/engine.ts';
import { logger } from './observability.ts';
import type { CollectionsConfig, RuntimeConfig } from './runtime-config.ts';
import { createS3Client } from './s3.ts';

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly s3: S3Client;
  engine(): Promise<FaceEngine>;
  /** The collections store, opened on first need. */
  collections(): Promise<CollectionStore>;
  /** Closes what it opened (the local server's stop). */
  close(): Promise<void>;
}

export function createRuntime(config: RuntimeConfig, s3 = createS3Client(config.s3Endpoint)): Runtime {
  let loading: Promise<FaceEngine> | undefined;
  let store: Promise<CollectionStore> | undefined;
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
      await (await store)?.close();
    },
  };
}

/** Each store is imported only where it is used: a Lambda bundle never loads SQLite's native module. */
async function openCollections(config: CollectionsConfig): Promise<CollectionStore> {
  if (config.store === 'aws') {
    const { awsCollectionStore } = await import('../collections/aws/from-env.ts');
    return awsCollectionStore(config);
  }
  const { SqliteCollectionStore } = await import('../collections/sqlite-store.ts');
  return new SqliteCollectionStore(config.database);
}

async function loadEngine(config: RuntimeConfig): Promise<FaceEngine> {
  const started = performance.now();
  const engine = await FaceEngine.load(config.engine);
  logger.info('models loaded', {
    loadMs: Math.round(performance.now() - started),
    models: engine.models.map(({ name, version }) => `${name}@${version}`),
  });
  return engine;
}
