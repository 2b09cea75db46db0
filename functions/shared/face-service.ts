/**
 * The engine an entry point runs on: in-process with one worker (the models on the main thread), else
 * a pool of worker threads. Either way a FaceService, loaded once per process.
 */
import { type EngineConfig, FaceEngine, type FaceService } from '../core/engine.ts';
import { EnginePool, type PoolOptions } from '../core/engine-pool.ts';

export function startFaceService(
  engine: EngineConfig,
  workers: number,
  onWorkerLost?: PoolOptions['onWorkerLost'],
): Promise<FaceService> {
  if (workers === 1) return FaceEngine.load(engine);
  return EnginePool.start({ workers, engine, ...(onWorkerLost && { onWorkerLost }) });
}
