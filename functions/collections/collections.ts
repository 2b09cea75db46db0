/**
 * Collections over the engine's public API and a CollectionStore: enrol the faces of a photo under a
 * person's id, search a collection with a photo (1:N), list and erase. One class for the HTTP handlers,
 * the CLI and the drop folder; ids are checked here, so a store sees only valid ones.
 */
import { randomUUID } from 'node:crypto';
import { roundFar, roundSimilarity } from '../core/compare.ts';
import type { FaceService, Timings } from '../core/engine.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { decide, fpirOfFar, searchThresholds } from '../core/match.ts';
import { searchProbe, searchScore } from '../core/search-score.ts';
import type { Box, EmbeddedFace, Face, Pose } from '../core/types.ts';
import { summarizeModels } from '../shared/model-summary.ts';
import { derivedFaceId } from './derived-face-id.ts';
import { COLLECTION_LIMITS, collectionId, externalId, faceId } from './ids.ts';
import { DEFAULT_QUALITY_FILTER, type QualityFilter, type RefusalReason, refusal } from './quality-filter.ts';
import type {
  CollectionRecord,
  CollectionStore,
  EmbedderRef,
  FaceRecord,
  Page,
  PageRequest,
} from './store.ts';

/** What collections need of the engine. */
export type CollectionEngine = Pick<FaceService, 'embedImage' | 'search' | 'models' | 'qualityModel'> & {
  embedder: Pick<FaceService['embedder'], 'dimension'>;
};

export type UnindexedReason = 'ExceedsMaxFaces' | RefusalReason;

export interface IndexRequest {
  externalId: string;
  /** 1: the photo's subject, as verify chooses it; more: up to that many faces, largest first. */
  maxFaces?: number;
  /** Which faces are too poor to enrol (quality-filter.ts); `auto` by default. */
  qualityFilter?: QualityFilter;
  /**
   * Where the photo came from, when that names it for good (an upload's key and the sha256 of its bytes):
   * its faces' ids are derived from it, so enrolling the same source again stores nothing twice.
   */
  source?: string;
}

export interface IndexedFace extends Face {
  faceId: string;
  externalId: string;
  pose: Pose;
}

export interface IndexResult {
  faces: IndexedFace[];
  unindexedFaces: { box: Box; reason: UnindexedReason }[];
}

export interface SearchRequest {
  maxResults?: number;
  /** The accepted chance per search that someone not enrolled matches someone (default 0.01). */
  maxFpir?: number;
  /** A fixed threshold instead of the one derived from maxFpir. */
  threshold?: number;
}

export interface SearchMatch {
  externalId: string;
  faceId: string;
  similarity: number;
  threshold: number;
  far: number;
  match: boolean;
}

export interface SearchResult {
  searchedFace: Face & { pose: Pose };
  matches: SearchMatch[];
  fpir: number;
  faceCount: number;
  timings: Timings;
}

/**
 * The namespace of collections no caller owns: the open server's (auth=none), the CLI's and the drop
 * folder's, so what one of them enrols the others search.
 */
export const SHARED_OWNER = '';

export class Collections {
  readonly model: EmbedderRef;

  constructor(
    private readonly store: CollectionStore,
    private readonly engine: CollectionEngine,
    private readonly now: () => Date = () => new Date(),
  ) {
    const embedder = summarizeModels(engine.models).embedder;
    if (!embedder) throw new Error('the engine has no embedder');
    this.model = { name: embedder.name, version: embedder.version };
  }

  /** Closes the store (a CLI run's end, the server's stop). */
  close(): Promise<void> {
    return this.store.close();
  }

  create(owner: string, id: string): Promise<{ collection: CollectionRecord; created: boolean }> {
    return this.store.createCollection(owner, collectionId(id), this.model, this.engine.embedder.dimension);
  }

  async get(owner: string, id: string): Promise<CollectionRecord> {
    const collection = await this.store.getCollection(owner, collectionId(id));
    if (!collection) throw notFound(id);
    return collection;
  }

  list(owner: string, page: PageRequest): Promise<Page<CollectionRecord>> {
    return this.store.listCollections(owner, page);
  }

  async delete(owner: string, id: string): Promise<void> {
    if (!(await this.store.deleteCollection(owner, collectionId(id)))) throw notFound(id);
  }

  /**
   * Enrols the photo's face (or faces) that pass the quality filter; NoFaceDetected when it has none,
   * PoorFaceQuality when the filter refused every one. Nothing is stored on failure.
   */
  async index(owner: string, id: string, image: Uint8Array, request: IndexRequest): Promise<IndexResult> {
    const person = externalId(request.externalId);
    await this.usable(owner, id);
    const maxFaces = request.maxFaces ?? COLLECTION_LIMITS.maxFaces.default;
    // Only the faces to store are embedded; the rest of a crowd is listed as found.
    const { faces: embedded, unembeddedFaces } = await this.engine.embedImage(
      image,
      maxFaces === 1 ? { faces: 'subject' } : { faces: 'every', maxFaces },
    );
    if (embedded.length === 0) throw noFace();
    const filter = request.qualityFilter ?? DEFAULT_QUALITY_FILTER;
    const cuts = this.engine.qualityModel?.enrolmentCuts;
    const judged = embedded.map((face, i) => ({
      face,
      faceId: request.source === undefined ? randomUUID() : derivedFaceId(request.source, i),
      reason: refusal(face, filter, cuts),
    }));
    const kept = judged.flatMap(({ face, faceId, reason }) => (reason ? [] : [{ ...face, faceId }]));
    const refused = judged.flatMap(({ face, reason }) => (reason ? [{ box: face.box, reason }] : []));
    if (kept.length === 0) throw poorQuality(refused[0]?.reason as RefusalReason, filter);
    const createdAt = this.now().toISOString();
    const records = kept.map((face) => ({
      faceId: face.faceId,
      externalId: person,
      box: face.box,
      pose: face.pose,
      createdAt,
      embedding: face.embedding,
    }));
    await this.store.addFaces(owner, id, records);
    return {
      faces: kept.map((face) => ({ faceId: face.faceId, externalId: person, ...publicFace(face) })),
      unindexedFaces: [
        ...refused,
        ...unembeddedFaces.map(({ box }) => ({ box, reason: 'ExceedsMaxFaces' as const })),
      ],
    };
  }

  async listFaces(
    owner: string,
    id: string,
    page: PageRequest & { externalId?: string },
  ): Promise<Page<FaceRecord>> {
    const person = page.externalId === undefined ? undefined : externalId(page.externalId);
    return this.store.listFaces(owner, collectionId(id), { ...page, ...(person && { externalId: person }) });
  }

  async deleteFace(owner: string, id: string, face: string): Promise<void> {
    const deleted = await this.store.deleteFace(owner, collectionId(id), faceId(face));
    if (deleted) return;
    await this.get(owner, id);
    throw new FaceVerifyError('FaceNotFound', `Collection ${id} has no face ${face}.`);
  }

  /** Erasure: every face and embedding of one person. CollectionNotFound when there is no collection. */
  async forget(owner: string, id: string, person: string): Promise<number> {
    await this.get(owner, id);
    return this.store.deleteSubject(owner, id, externalId(person));
  }

  async search(owner: string, id: string, image: Uint8Array, request: SearchRequest): Promise<SearchResult> {
    const collection = await this.usable(owner, id);
    const { faces, timings } = await this.engine.embedImage(image, { faces: 'subject' });
    const probe = faces[0];
    if (!probe) throw noFace();
    const maxResults = request.maxResults ?? COLLECTION_LIMITS.maxResults.default;
    // Search scores with its own weights of the fused parts, through the probe alone (search-score.ts).
    const { parts, calibration } = this.engine.search;
    const query = searchProbe(probe.embedding, parts);
    const neighbours = await this.store.search(owner, id, query.vector, maxResults);
    const thresholds =
      request.threshold ??
      searchThresholds(
        calibration,
        request.maxFpir ?? COLLECTION_LIMITS.maxFpir.default,
        collection.faceCount,
      );
    const matches = neighbours.map(({ face, similarity }) => ({
      face,
      ...decide(calibration, searchScore(similarity, query), [probe.pose, face.pose], thresholds),
    }));
    const top = matches[0];
    return {
      searchedFace: publicFace(probe),
      matches: matches.map(
        ({ face, similarity, threshold, far, match }): SearchMatch => ({
          externalId: face.externalId,
          faceId: face.faceId,
          similarity: roundSimilarity(similarity),
          threshold: roundSimilarity(threshold),
          far: roundFar(far),
          match,
        }),
      ),
      fpir: top ? roundFar(fpirOfFar(top.far, collection.faceCount)) : 0,
      faceCount: collection.faceCount,
      timings,
    };
  }

  /** The collection, checked to hold embeddings of this engine's embedder. */
  private async usable(owner: string, id: string): Promise<CollectionRecord> {
    const collection = await this.get(owner, id);
    const { name, version } = collection.model;
    if (name !== this.model.name || version !== this.model.version) {
      throw new FaceVerifyError(
        'ModelMismatch',
        `Collection ${id} holds faces of ${name}@${version}, and this service embeds with ` +
          `${this.model.name}@${this.model.version}: no photo is kept, so enrol its people again from ` +
          'their photos into a new collection.',
      );
    }
    return collection;
  }
}

/**
 * The service over a store opened at its first use: a process that never enrols or searches (a drop
 * folder of pairs, a Lambda function kept warm) never opens one.
 */
export function collectionsOnFirstUse(
  openStore: () => CollectionStore,
  engine: CollectionEngine,
): () => Collections {
  let opened: Collections | undefined;
  return () => {
    opened ??= new Collections(openStore(), engine);
    return opened;
  };
}

/** A collection as the API and the CLI show it (the store's dimension stays inside). */
export function collectionView({
  collectionId,
  model,
  faceCount,
  subjectCount,
  createdAt,
}: CollectionRecord) {
  return { collectionId, model, faceCount, subjectCount, createdAt };
}

/** A listed face as the API and the CLI show it: never its embedding or pose. */
export function faceView({ faceId, externalId, box, createdAt }: FaceRecord) {
  return { faceId, externalId, box, createdAt };
}

function publicFace({ box, score, landmarks, headPose, quality, pose }: EmbeddedFace): Face & { pose: Pose } {
  return { box, score, landmarks, ...(headPose && quality && { headPose, quality }), pose };
}

function notFound(id: string): FaceVerifyError {
  return new FaceVerifyError('CollectionNotFound', `There is no collection ${id}.`);
}

const REFUSAL_WORDS: Record<RefusalReason, string> = {
  TooSmall: 'too small in the photo',
  ExtremePose: 'turned too far from the camera',
  LowQuality: 'too blurred, dark or partly hidden to recognise reliably',
};

function poorQuality(reason: RefusalReason, filter: QualityFilter): FaceVerifyError {
  return new FaceVerifyError(
    'PoorFaceQuality',
    `The face was not enrolled: it is ${REFUSAL_WORDS[reason]} (${reason}, qualityFilter ${filter}). ` +
      'Enrol a sharper, larger photo of the face turned towards the camera, or set qualityFilter to none.',
    { details: { image: 'image', reason } },
  );
}

function noFace(): FaceVerifyError {
  return new FaceVerifyError('NoFaceDetected', 'No face was found in the image.', {
    details: { image: 'image' },
  });
}
