/**
 * The documents written under `results/`. Each names the uploads it accounts for (`keys` with their
 * `eTags`, in the same order): that is how a redelivered event recognises its own result, and how a
 * new upload under a used key is told apart from it.
 */
import type { IndexResult } from '../collections/collections.ts';
import type { DetectResponse, VerifyResponse } from '../core/engine.ts';
import { type ErrorCode, type ErrorDetails, FaceVerifyError } from '../core/errors.ts';
import type { ModelSummary } from '../shared/model-summary.ts';
import { type StoredObject, sameVersion } from './store.ts';

/** The engine's codes, plus the drop folder's own. */
export type DropErrorCode =
  | ErrorCode
  /** A pair's folder held more than two files when it was judged. */
  | 'TooManyFiles'
  /** The file reached a pair that already has its result: a pairId is used once. */
  | 'PairAlreadyJudged'
  /** The file is directly under `incoming/`, in no pair folder. */
  | 'NotInAPair'
  /** The file is under `enrol/` but not in an `enrol/<collectionId>/<externalId>/` folder. */
  | 'NotInAnEnrolFolder'
  /** Processing kept failing; the event went to the dead-letter queue. Replaced if a redrive succeeds. */
  | 'ProcessingFailed';

export type DropError = { code: DropErrorCode; message: string } & ErrorDetails;

export interface ResultInputs {
  keys: string[];
  eTags: string[];
  completedAt: string;
}

/** As `/verify` and `/detect` answer: the engine's response and the models behind it. */
type Answer<T> = T & { model: ModelSummary };

export type PairResult = ResultInputs & { pairId: string } & (Answer<VerifyResponse> | { error: DropError });
export type DetectJobResult = ResultInputs & (Answer<DetectResponse> | { error: DropError });
export type RejectedResult = ResultInputs & { error: DropError };
/** As `POST /collections/{collectionId}/faces` answers, with the ids the upload's key names. */
export type EnrolResult = ResultInputs &
  Partial<{ collectionId: string; externalId: string }> &
  (Answer<IndexResult> | { error: DropError });
export type DropResult = PairResult | DetectJobResult | RejectedResult | EnrolResult;

export function resultInputs(objects: readonly StoredObject[]): ResultInputs {
  return {
    keys: objects.map((o) => o.key),
    eTags: objects.map((o) => o.eTag),
    completedAt: new Date().toISOString(),
  };
}

/** A failure the uploader caused, as the result's `error`; undefined for a fault of ours (to retry). */
export function uploaderError(error: unknown, object?: StoredObject): DropError | undefined {
  if (!(error instanceof FaceVerifyError)) return undefined;
  return { ...error.toJSON(), ...(object && { key: object.key }) };
}

export function processingFailed(attempts: number): DropError {
  return {
    code: 'ProcessingFailed',
    message: `Processing failed ${attempts} times; the event was parked in the dead-letter queue. A redrive that succeeds replaces this result.`,
  };
}

/** What an existing result tells about an upload. */
export interface ResultSummary {
  versions: Pick<StoredObject, 'key' | 'eTag'>[];
  /** False for ProcessingFailed: a later attempt may replace it. */
  final: boolean;
}

export function summarizeResult(value: unknown): ResultSummary {
  const { keys, eTags, error } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (!isStrings(keys) || !isStrings(eTags) || keys.length !== eTags.length) {
    throw new Error('an existing result has no keys and eTags: it was not written by the drop handler');
  }
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return {
    versions: keys.map((key, i) => ({ key, eTag: eTags[i] as string })),
    final: code !== 'ProcessingFailed',
  };
}

/** The upload already has its final result: its event is a redelivery. */
export function settles(result: ResultSummary, object: Pick<StoredObject, 'key' | 'eTag'>): boolean {
  return result.final && result.versions.some((v) => sameVersion(v, object));
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
