/**
 * What one "object created" event does to the drop folder, over a DropStore. Safe to run twice, late,
 * or at the same moment as the event of the other file of its pair:
 *
 * - An event acts only while its upload (key and ETag) is still in `incoming/`: inputs are deleted once
 *   their result is written, so a redelivery that comes after that finds nothing to do.
 * - Results are created with a condition (`If-None-Match: *`): of two events racing to judge a pair, one
 *   writes and the other reads the result back and finds its own upload in it. Both judged the same two
 *   keys in key order, so they could not disagree anyway.
 * - A pair is judged once: a file that reaches a pair after its result exists is reported on its own
 *   under `results/rejected/`, never silently dropped.
 * - A fault of ours (S3 down, engine crash) fails the event so it is retried; on its last attempt the
 *   result says so (ProcessingFailed), inputs are kept for a redrive, and a later success replaces it.
 */
import { createHash } from 'node:crypto';
import { type Collections, SHARED_OWNER } from '../collections/collections.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../core/decode.ts';
import type { FaceService } from '../core/engine.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { type ModelSummary, summarizeModels } from '../shared/model-summary.ts';
import { readImage } from '../shared/read-image.ts';
import type { ObjectCreated } from './events.ts';
import {
  detectResultKey,
  type EnrolTarget,
  enrolResultKey,
  isFolderMarker,
  pairPrefix,
  pairResultKey,
  parseDropKey,
  rejectedResultKey,
} from './keys.ts';
import {
  type DetectJobResult,
  type DropError,
  type DropResult,
  type EnrolResult,
  type PairResult,
  processingFailed,
  type RejectedResult,
  resultInputs,
  settles,
  summarizeResult,
  uploaderError,
} from './results.ts';
import {
  type DropStore,
  type StoredJson,
  type StoredObject,
  sameVersion,
  unquoteETag,
  type WriteCondition,
} from './store.ts';

export type DropEngine = Pick<FaceService, 'verify' | 'detect' | 'models'>;

export interface DropDeps {
  store: DropStore;
  engine: DropEngine;
  /** The engine's decode limits: a larger upload is refused unread (default: DEFAULT_DECODE_LIMITS). */
  limits?: Pick<DecodeLimits, 'maxBytes'>;
  /**
   * The collections service uploads under `enrol/` are enrolled with, opened at the first enrolment (a
   * drop folder that never enrols never opens the store). Without it, an enrolment fails as a fault of ours.
   */
  collections?: () => Pick<Collections, 'index'>;
}

/** Which delivery of the event this is, and whether the queue will try again if it fails. */
export interface Attempt {
  count: number;
  last: boolean;
}

/** What handling one event did, counted as a metric of that name (docs/observability.md). */
export type DropOutcome =
  /** This event wrote the object's result. */
  | 'Written'
  /** The first file of a pair: nothing to do until the second arrives. */
  | 'Waiting'
  /** The upload already had its result (a redelivery, or the other file of a racing pair). */
  | 'Duplicate'
  /** The file takes part in no job; it was reported under results/rejected/. */
  | 'Rejected'
  /** The upload is no longer in incoming/: processed and deleted already, or replaced by a newer upload. */
  | 'Stale'
  /** A folder marker, or a key outside incoming/. */
  | 'Ignored';

const LIST = new Intl.ListFormat('en');

/** Writes that lose a race are retried from a fresh read this often before the event fails. */
const MAX_ROUNDS = 3;

export async function processObject(
  deps: DropDeps,
  event: ObjectCreated,
  attempt: Attempt,
): Promise<DropOutcome> {
  const target = parseDropKey(event.key);
  switch (target.kind) {
    case 'ignored':
      return 'Ignored';
    case 'pair':
      return processPairFile(deps, target.pairId, event, attempt);
    case 'detect':
      return processSingle(deps, event, detectResultKey(target.name), attempt, (object) =>
        detect(deps, object),
      );
    case 'enrol':
      return processSingle(deps, event, enrolResultKey(event.key), attempt, (object) =>
        enrol(deps, object, target.into),
      );
    case 'stray':
      return reject(deps, event, attempt, {
        code: 'NotInAPair',
        message:
          'Put the two images of a pair under incoming/<pairId>/, and an image to detect under incoming/detect/.',
      });
  }
}

async function processPairFile(
  deps: DropDeps,
  pairId: string,
  event: ObjectCreated,
  attempt: Attempt,
): Promise<DropOutcome> {
  const resultKey = pairResultKey(pairId);
  return writeOnce(deps.store, resultKey, attempt, async () => {
    const files = (await deps.store.list(pairPrefix(pairId))).filter((file) => !isFolderMarker(file.key));
    const self = current(files, event);
    if (!self) return 'Stale';
    const existing = await deps.store.readJson(resultKey);
    const summary = existing && summarizeResult(existing.value);
    if (summary?.final) {
      if (!settles(summary, self)) {
        return reject(deps, event, attempt, {
          code: 'PairAlreadyJudged',
          message: `${resultKey} was written before this file arrived; it judged ${LIST.format(summary.versions.map((v) => v.key))}. A pairId is used once.`,
        });
      }
      await deleteSettled(deps.store, files, summary);
      return 'Duplicate';
    }
    if (files.length < 2) return 'Waiting';
    return {
      existing,
      listed: files,
      parked: { pairId, ...resultInputs(files.slice(0, 2)), error: processingFailed(attempt.count) },
      judge: () => judgePair(deps, pairId, files),
    };
  });
}

/** The first two files in key order, or every file when there are more than two. */
async function judgePair(deps: DropDeps, pairId: string, files: StoredObject[]): Promise<PairResult> {
  if (files.length > 2) {
    const error: DropError = {
      code: 'TooManyFiles',
      message: `incoming/${pairId}/ held ${files.length} files when the pair was judged; a pair is exactly two images.`,
    };
    return { pairId, ...resultInputs(files), error };
  }
  const [source, target] = files as [StoredObject, StoredObject];
  try {
    const bytes = await Promise.all([readUpload(deps, source, 'source'), readUpload(deps, target, 'target')]);
    const verified = await deps.engine.verify(...bytes);
    return { pairId, ...resultInputs(files), ...verified, model: summarizeModels(deps.engine.models) };
  } catch (error) {
    // Every uploader error about one image of the pair names it, the engine's as the reads'.
    const image = error instanceof FaceVerifyError ? error.details?.image : undefined;
    const failure = uploaderError(
      error,
      image === 'source' ? source : image === 'target' ? target : undefined,
    );
    if (!failure) throw error;
    return { pairId, ...resultInputs(files), error: failure };
  }
}

function detect(deps: DropDeps, object: StoredObject): Promise<DetectJobResult> {
  return answerFor(deps, object, resultInputs([object]), async () =>
    deps.engine.detect(await readUpload(deps, object, 'image')),
  );
}

/** A one-image job's result: its answer and the models behind it, or the error the upload caused. */
async function answerFor<I, A>(
  deps: DropDeps,
  object: StoredObject,
  inputs: I,
  job: () => Promise<A>,
): Promise<I & ((A & { model: ModelSummary }) | { error: DropError })> {
  try {
    return { ...inputs, ...(await job()), model: summarizeModels(deps.engine.models) };
  } catch (error) {
    const failure = uploaderError(error, object);
    if (!failure) throw error;
    return { ...inputs, error: failure };
  }
}

/**
 * Enrols the photo into its collection in the shared namespace, which must exist: an upload never
 * creates one. A bad id, a photo without a face (or with none good enough for the default quality
 * filter) or a missing collection is the result's error. Exactly once: the faces' ids derive from the
 * upload's key and bytes, so a job re-run after a crash finds its faces stored and adds none.
 */
async function enrol(
  deps: DropDeps,
  object: StoredObject,
  into: EnrolTarget | undefined,
): Promise<EnrolResult> {
  const inputs = { ...resultInputs([object]), ...into };
  if (!into) {
    const error: DropError = {
      code: 'NotInAnEnrolFolder',
      message: 'Put a photo to enrol under enrol/<collectionId>/<externalId>/.',
      key: object.key,
    };
    return { ...inputs, error };
  }
  const collections = deps.collections;
  if (!collections) throw new Error('this drop handler was built without the collections service');
  return answerFor(deps, object, inputs, async () => {
    const bytes = await readUpload(deps, object, 'image');
    // Derived faceIds make a re-run of this job (a restart, a redelivery) store the same faces, not more.
    const source = `${object.key}#sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return collections().index(SHARED_OWNER, into.collectionId, bytes, {
      externalId: into.externalId,
      source,
    });
  });
}

/** Reports a file that takes part in no job under results/rejected/. */
async function reject(
  deps: DropDeps,
  event: ObjectCreated,
  attempt: Attempt,
  error: DropError,
): Promise<DropOutcome> {
  const outcome = await processSingle(deps, event, rejectedResultKey(event.key), attempt, async (object) => {
    const result: RejectedResult = { ...resultInputs([object]), error: { ...error, key: object.key } };
    return result;
  });
  return outcome === 'Written' ? 'Rejected' : outcome;
}

/**
 * A result about one upload. A newer upload under the same key replaces its predecessor's result: the
 * upload the event names must still be current right before the write, so an old event cannot win.
 */
async function processSingle(
  deps: DropDeps,
  event: ObjectCreated,
  resultKey: string,
  attempt: Attempt,
  make: (object: StoredObject) => Promise<DropResult>,
): Promise<DropOutcome> {
  return writeOnce(deps.store, resultKey, attempt, async () => {
    const self = current(await deps.store.list(event.key), event);
    if (!self) return 'Stale';
    const existing = await deps.store.readJson(resultKey);
    if (existing && settles(summarizeResult(existing.value), self)) {
      await deps.store.delete([self.key]);
      return 'Duplicate';
    }
    return {
      existing,
      listed: [self],
      parked: { ...resultInputs([self]), error: processingFailed(attempt.count) },
      judge: () => make(self),
    };
  });
}

/** What a round found to write: the result's current version, the uploads listed, and the job. */
interface Judgement {
  existing: StoredJson | undefined;
  /** Deleted once the result is written, those of them it accounts for. */
  listed: readonly StoredObject[];
  /** Written instead when the job fails on the event's last attempt. */
  parked: DropResult;
  judge(): Promise<DropResult>;
}

/**
 * Writes a result once: each round looks afresh (and may find nothing to do), then writes on
 * condition that the result is still the version it read; a round that loses that race starts over.
 */
async function writeOnce(
  store: DropStore,
  resultKey: string,
  attempt: Attempt,
  look: () => Promise<DropOutcome | Judgement>,
): Promise<DropOutcome> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = await look();
    if (typeof found === 'string') return found;
    const condition = writeCondition(found.existing);
    const result = await parkOnLastAttempt(attempt, found.judge, () =>
      store.writeJson(resultKey, found.parked, condition),
    );
    if (await store.writeJson(resultKey, result, condition)) {
      await deleteSettled(store, found.listed, summarizeResult(result));
      return 'Written';
    }
  }
  throw new Error(`${resultKey} kept changing while it was being written`);
}

/** The listed version of the event's object, if it is still the one the event announced. */
function current(listed: readonly StoredObject[], event: ObjectCreated): StoredObject | undefined {
  const object = listed.find((o) => o.key === event.key);
  if (!object || (event.eTag && object.eTag !== unquoteETag(event.eTag))) return undefined;
  return object;
}

function writeCondition(existing: { eTag: string } | undefined): WriteCondition {
  return existing ? { ifMatch: existing.eTag } : { ifNoneMatch: '*' };
}

/** Runs the job; a fault of ours on the event's last attempt is still written down before it fails the event. */
async function parkOnLastAttempt<T>(
  attempt: Attempt,
  job: () => Promise<T>,
  park: () => Promise<boolean>,
): Promise<T> {
  try {
    return await job();
  } catch (error) {
    if (attempt.last) await park().catch(() => false);
    throw error;
  }
}

/** The version of the upload that was listed, refused unread when its listed size is over the limit. */
function readUpload(deps: DropDeps, object: StoredObject, image: string): Promise<Uint8Array> {
  const read = async () => {
    const found = await deps.store.read(object.key);
    if (!found || found.eTag !== object.eTag) {
      throw new Error(`${object.key} changed while it was being processed`);
    }
    return found.bytes;
  };
  return readImage(
    { size: object.size, read },
    { shown: object.key, image },
    deps.limits ?? DEFAULT_DECODE_LIMITS,
  );
}

/** Deletes the listed uploads the result accounts for: never a newer upload under the same key. */
async function deleteSettled(
  store: DropStore,
  files: readonly StoredObject[],
  result: { versions: Pick<StoredObject, 'key' | 'eTag'>[] },
): Promise<void> {
  await store.delete(
    files.filter((file) => result.versions.some((v) => sameVersion(v, file))).map((f) => f.key),
  );
}
