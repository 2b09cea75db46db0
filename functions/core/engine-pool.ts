/**
 * The engine on every core: a pool of worker threads (engine-worker.ts), each with its own FaceEngine,
 * its onnxruntime sessions loaded once at its start. It is a FaceService like the in-process engine:
 * verify runs its two photos on two workers at once and compares them here (comparing needs the
 * calibration only). A worker that dies is replaced, and every call it held fails with 503 Busy.
 */
import { Worker } from 'node:worker_threads';
import {
  compareFaces,
  type DetectRequest,
  type DetectResponse,
  type EmbedImageRequest,
  type EmbedImageResponse,
  type EngineConfig,
  type FaceService,
  type ImageRole,
  type ModelInfo,
  type PreparedImage,
  type PreparedSide,
  type VerifyRequest,
  type VerifyResponse,
  verifyBy,
} from './engine.ts';
import { FaceVerifyError } from './errors.ts';
import type { QualityModel } from './face-quality.ts';
import type { MatchCalibration } from './match.ts';
import type { SearchScoring } from './search-score.ts';
import type { VerifyResult } from './types.ts';
import {
  CALLS_PER_WORKER,
  type CallMessage,
  type CallName,
  ownCopy,
  reviveError,
  transferables,
  type WorkerCalls,
  type WorkerMessage,
  type WorkerReady,
} from './worker-protocol.ts';

/** Longest close() waits for the calls running to be answered before it stops their workers. */
const CLOSE_DRAIN_MS = 30_000;

/**
 * The worker's entry next to this module: engine-worker.ts in a checkout (run through tsx), and
 * engine-worker.mjs beside a bundle (infra/build-lambda.ts writes it there).
 */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './engine-worker.ts' : './engine-worker.mjs',
  import.meta.url,
);

export interface PoolOptions {
  /** Worker threads, each one engine (≥ 1). */
  workers: number;
  /** Each worker's engine; its `threads` default to 1 here, the workers being the parallelism. */
  engine?: EngineConfig;
  /** Told when a worker stopped unasked (its calls fail with Busy, and another replaces it). */
  onWorkerLost?: (info: { threadId: number; exitCode: number; error?: Error }) => void;
  /** The worker's entry (default: engine-worker next to this module). */
  workerUrl?: URL;
}

interface Pending {
  message: CallMessage;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Settles when the worker is loaded and holds no call, or has stopped. */
  idle: Promise<void>;
  markIdle: () => void;
  /** The worker's, kept: a stopped Worker's own reads -1. */
  threadId: number;
  ready: boolean;
  calls: Map<number, Pending>;
  error?: Error;
}

export class EnginePool implements FaceService {
  private readonly slots = new Set<Slot>();
  private readonly waiting: Pending[] = [];
  private nextId = 0;
  private closing = false;

  private constructor(
    private readonly options: PoolOptions,
    private readonly info: WorkerReady,
  ) {}

  /**
   * A pool whose workers have all loaded their models (or failed to: those are reported and left out);
   * rejects if none could. Not serving before: a process that exits while a worker is still inside
   * onnxruntime (loading or running) is aborted, so no worker is left loading behind an answer.
   */
  static async start(options: PoolOptions): Promise<EnginePool> {
    if (!(Number.isInteger(options.workers) && options.workers >= 1)) {
      throw new RangeError('an engine pool needs a whole number of workers, at least 1');
    }
    const starting = Array.from({ length: options.workers }, () => spawn(options));
    const results = await Promise.allSettled(starting.map((s) => s.ready));
    const loaded = results.find((r) => r.status === 'fulfilled');
    if (!loaded) throw (results[0] as PromiseRejectedResult).reason;
    const pool = new EnginePool(options, loaded.value);
    for (const worker of starting) pool.join(worker);
    return pool;
  }

  get models(): ModelInfo[] {
    return this.info.models;
  }

  get calibration(): MatchCalibration {
    return this.info.calibration;
  }

  get search(): SearchScoring {
    return this.info.search;
  }

  get threshold(): number {
    return this.info.calibration.threshold;
  }

  get qualityModel(): QualityModel | undefined {
    return this.info.qualityModel;
  }

  get embedder(): { name: string; dimension: number } {
    return this.info.embedder;
  }

  /** The worker threads running now (a replacement joins once its models are loaded). */
  get workers(): readonly Worker[] {
    return [...this.slots].filter((s) => s.ready).map((s) => s.worker);
  }

  detect(bytes: Uint8Array, request: DetectRequest = {}): Promise<DetectResponse> {
    return this.call('detect', [ownCopy(bytes), request]);
  }

  prepareTimed(bytes: Uint8Array, role: ImageRole, everyFace: boolean): Promise<PreparedSide> {
    return this.call('prepareTimed', [ownCopy(bytes), role, everyFace]);
  }

  async prepare(bytes: Uint8Array, role: ImageRole, everyFace = false): Promise<PreparedImage> {
    return (await this.prepareTimed(bytes, role, everyFace)).prepared;
  }

  embedImage(bytes: Uint8Array, request: EmbedImageRequest = {}): Promise<EmbedImageResponse> {
    return this.call('embedImage', [ownCopy(bytes), request]);
  }

  verify(source: Uint8Array, target: Uint8Array, request: VerifyRequest = {}): Promise<VerifyResponse> {
    return verifyBy(this, source, target, request);
  }

  compare(source: PreparedImage, target: PreparedImage, request: VerifyRequest = {}): VerifyResult {
    return compareFaces(this.info.calibration, this.info.qualityModel, source, target, request);
  }

  /**
   * Stops every worker once the calls it runs are answered (at most CLOSE_DRAIN_MS); waiting calls fail
   * with Busy. Not at once: a worker terminated inside an onnxruntime run takes the whole process down
   * (node-addon-api's fatal error when the run's result cannot be created in a stopping thread).
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.waiting.splice(0)) pending.reject(stopped('the engine is shutting down'));
    const deadline = new Promise((resolve) => setTimeout(resolve, CLOSE_DRAIN_MS).unref());
    await Promise.all(
      [...this.slots].map(async (slot) => {
        if (slot.ready && slot.calls.size === 0) slot.markIdle();
        await Promise.race([deadline, slot.idle]);
        await slot.worker.terminate();
      }),
    );
  }

  private call<C extends CallName>(call: C, args: WorkerCalls[C]['args']): Promise<WorkerCalls[C]['value']> {
    if (this.closing) return Promise.reject(stopped('the engine is shutting down'));
    if (this.slots.size === 0) return Promise.reject(stopped('no engine worker is running'));
    return new Promise((resolve, reject) => {
      const message: CallMessage = { id: this.nextId++, call, args };
      this.waiting.push({ message, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Hands waiting calls to the least busy ready workers, up to CALLS_PER_WORKER each. */
  private dispatch(): void {
    while (this.waiting.length) {
      let best: Slot | undefined;
      for (const slot of this.slots) {
        if (
          slot.ready &&
          slot.calls.size < CALLS_PER_WORKER &&
          (!best || slot.calls.size < best.calls.size)
        ) {
          best = slot;
        }
      }
      if (!best) return;
      const pending = this.waiting.shift() as Pending;
      if (best.calls.size === 0) best.worker.ref();
      best.calls.set(pending.message.id, pending);
      best.worker.postMessage(pending.message, transferables(pending.message.args));
    }
  }

  /** Takes a worker whose models are loaded into service: its answers, and its death. */
  private adopt(slot: Slot): void {
    slot.ready = true;
    slot.worker.on('message', (message: WorkerMessage) => {
      if (message.kind !== 'reply') return;
      const pending = slot.calls.get(message.id);
      if (!pending) return;
      slot.calls.delete(message.id);
      if (slot.calls.size === 0) {
        slot.worker.unref();
        if (this.closing) slot.markIdle();
      }
      if (message.ok) pending.resolve(message.value);
      else pending.reject(reviveError(message.error));
      this.dispatch();
    });
    slot.worker.on('error', (error) => {
      slot.error = error;
    });
    slot.worker.once('exit', (exitCode) => this.lost(slot, exitCode));
    // An idle pool does not keep the process alive (a CLI run ends when its work does). After the
    // listeners: adding a 'message' listener refs the worker again.
    slot.worker.unref();
  }

  /** A worker stopped: its calls fail with Busy, and unless the pool is closing another takes its place. */
  private lost(slot: Slot, exitCode: number): void {
    this.slots.delete(slot);
    for (const pending of slot.calls.values()) {
      pending.reject(stopped('the engine worker running this request stopped'));
    }
    slot.calls.clear();
    if (this.closing) return;
    this.options.onWorkerLost?.({ threadId: slot.threadId, exitCode, error: slot.error });
    this.join(spawn(this.options));
  }

  /**
   * A starting worker, counted as running, in service once its models are loaded. One that cannot load
   * them is not started again (it would fail the same way in a loop); with none left, waiting calls fail.
   */
  private join({ slot, ready }: Starting): void {
    this.slots.add(slot);
    ready.then(
      () => {
        if (this.closing) {
          slot.markIdle();
          return;
        }
        this.adopt(slot);
        this.dispatch();
      },
      (error: Error) => {
        this.slots.delete(slot);
        if (this.closing) return;
        this.options.onWorkerLost?.({ threadId: slot.threadId, exitCode: 1, error });
        if (this.slots.size === 0) {
          for (const pending of this.waiting.splice(0))
            pending.reject(stopped('no engine worker is running'));
        }
      },
    );
  }
}

interface Starting {
  slot: Slot;
  ready: Promise<WorkerReady>;
}

/** A worker starting, and its first message (the engine's details) or why it stopped before it. */
function spawn(options: PoolOptions): Starting {
  const url = options.workerUrl ?? WORKER_URL;
  const workerData: EngineConfig = { threads: 1, ...options.engine };
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(throughTsx(url), { eval: true, workerData })
    : new Worker(url, { workerData });
  let markIdle = () => {};
  const idle = new Promise<void>((resolve) => {
    markIdle = resolve;
  });
  const slot: Slot = { worker, idle, markIdle, threadId: worker.threadId, ready: false, calls: new Map() };
  worker.once('exit', () => slot.markIdle());
  const ready = new Promise<WorkerReady>((resolve, reject) => {
    const onError = (error: Error) => {
      slot.error = error;
    };
    const onExit = (code: number) => {
      reject(
        slot.error ?? new Error(`the engine worker stopped (exit code ${code}) before its models loaded`),
      );
    };
    worker.on('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (message: WorkerMessage) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (message.kind === 'ready') resolve(message);
      else reject(new Error('the engine worker answered before it was ready'));
    });
  });
  return { slot, ready };
}

/**
 * A worker's code that registers tsx's loader, then imports the TypeScript entry: loaders registered in
 * the parent thread, or by `--import` in a worker's execArgv, do not reach a worker's entry (Node 20).
 */
function throughTsx(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** 503 Busy: nothing came of the request, and it can be sent again. */
function stopped(why: string): FaceVerifyError {
  return new FaceVerifyError('Busy', `The request could not be completed: ${why}. Retry it.`);
}
