/**
 * The messages between an engine pool (engine-pool.ts) and its workers (engine-worker.ts), and what
 * structured cloning cannot carry on its own: typed errors, and which buffers to move rather than copy.
 */
import type {
  DetectRequest,
  DetectResponse,
  EmbedImageRequest,
  EmbedImageResponse,
  ImageRole,
  ModelInfo,
  PreparedSide,
} from './engine.ts';
import { type ErrorCode, type ErrorDetails, FaceVerifyError } from './errors.ts';
import type { QualityModel } from './face-quality.ts';
import type { MatchCalibration } from './match.ts';
import type { SearchScoring } from './search-score.ts';

/**
 * Calls a worker holds at once: one photo decoding (sharp, on libuv's threads) while another's models
 * run. The rest wait in the pool, first come first served, so a burst holds a bounded number of decoded
 * photos.
 */
export const CALLS_PER_WORKER = 2;

/** The engine calls a worker runs, by name, with their arguments and answers. */
export interface WorkerCalls {
  detect: { args: [bytes: Uint8Array, request: DetectRequest]; value: DetectResponse };
  prepareTimed: { args: [bytes: Uint8Array, role: ImageRole, everyFace: boolean]; value: PreparedSide };
  embedImage: { args: [bytes: Uint8Array, request: EmbedImageRequest]; value: EmbedImageResponse };
}
export type CallName = keyof WorkerCalls;

export interface CallMessage<C extends CallName = CallName> {
  id: number;
  call: C;
  args: WorkerCalls[C]['args'];
}

/** What a worker tells the pool once its models are loaded: all the caller's thread needs to compare. */
export interface WorkerReady {
  kind: 'ready';
  models: ModelInfo[];
  calibration: MatchCalibration;
  search: SearchScoring;
  qualityModel: QualityModel | undefined;
  embedder: { name: string; dimension: number };
}

export type ReplyMessage =
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerialisedError };

export type WorkerMessage = WorkerReady | ReplyMessage;

export type SerialisedError =
  | { typed: true; code: ErrorCode; message: string; details?: ErrorDetails }
  | { typed: false; name: string; message: string; stack?: string };

/** An error as a plain object: structured cloning keeps no class, so a FaceVerifyError's type travels as data. */
export function serialiseError(error: unknown): SerialisedError {
  if (error instanceof FaceVerifyError) {
    return { typed: true, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof Error)
    return { typed: false, name: error.name, message: error.message, stack: error.stack };
  return { typed: false, name: 'Error', message: String(error) };
}

/** The error serialiseError described: the same FaceVerifyError (code, message, details), or an Error. */
export function reviveError(error: SerialisedError): Error {
  if (error.typed) {
    return new FaceVerifyError(
      error.code,
      error.message,
      error.details ? { details: error.details } : undefined,
    );
  }
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}

/**
 * The buffers of every typed array in `value` that spans its whole buffer, each once: moved to the
 * other thread instead of copied. A view on part of a buffer is copied, since the rest of its buffer
 * may be in use (Node's pooled small Buffers share one).
 */
export function transferables(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const { buffer } = value;
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) {
      found.add(buffer);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) transferables(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) transferables(item, found);
  }
  return [...found];
}

/** The caller's bytes in a buffer of their own, to transfer: the caller may use its bytes again. */
export function ownCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
