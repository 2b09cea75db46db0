/**
 * An engine pool's worker (engine-pool.ts): loads its own FaceEngine once, at start, with the
 * configuration the pool hands it, then runs the calls the pool sends, one answer per call. The answers'
 * buffers (embeddings, crops) are moved to the pool's thread, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type EngineConfig, FaceEngine } from './engine.ts';
import {
  type CallMessage,
  type CallName,
  type ReplyMessage,
  serialiseError,
  transferables,
  type WorkerCalls,
  type WorkerReady,
} from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('engine-worker.ts runs as a worker thread of an engine pool');

const engine = await FaceEngine.load(workerData as EngineConfig);

const calls: { [C in CallName]: (...args: WorkerCalls[C]['args']) => Promise<WorkerCalls[C]['value']> } = {
  detect: (bytes, request) => engine.detect(bytes, request),
  prepareTimed: (bytes, role, everyFace) => engine.prepareTimed(bytes, role, everyFace),
  embedImage: (bytes, request) => engine.embedImage(bytes, request),
};

port.on('message', async ({ id, call, args }: CallMessage) => {
  let reply: ReplyMessage;
  try {
    const value = await (calls[call] as (...a: unknown[]) => Promise<unknown>)(...args);
    reply = { kind: 'reply', id, ok: true, value };
  } catch (error) {
    reply = { kind: 'reply', id, ok: false, error: serialiseError(error) };
  }
  port.postMessage(reply, reply.ok ? transferables(reply.value) : []);
});

const ready: WorkerReady = {
  kind: 'ready',
  models: engine.models,
  calibration: engine.calibration,
  search: engine.search,
  qualityModel: engine.qualityModel,
  embedder: { name: engine.embedder.name, dimension: engine.embedder.dimension },
};
port.postMessage(ready);
