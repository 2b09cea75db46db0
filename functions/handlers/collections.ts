/**
 * The /collections routes: a thin adapter from HTTP to the collections service. Each collection belongs
 * to the caller (the token's subject, or the signing principal); with auth=none everyone shares one.
 */
import { collectionsOnFirstUse, collectionView, faceView, SHARED_OWNER } from '../collections/collections.ts';
import { COLLECTION_LIMITS, maxFpir, nextToken, qualityFilter } from '../collections/ids.ts';
import { SIMILARITY_RANGE } from '../core/compare.ts';
import type { Handlers } from '../http/dispatch.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import type { HttpRequest } from '../http/request.ts';
import type { Runtime } from '../shared/runtime.ts';
import { imageWork } from './image-work.ts';

const { maxFaces, maxResults, pageSize } = COLLECTION_LIMITS;

const PAGE = { limit: { type: 'number', ...pageSize, integer: true } } as const;
const INDEX = { maxFaces: { type: 'number', ...maxFaces, integer: true } } as const;
const SEARCH = {
  maxResults: { type: 'number', ...maxResults, integer: true },
  threshold: { type: 'number', ...SIMILARITY_RANGE },
} as const;

/** The namespace a request's collections live in: the caller's, or the shared one of auth=none. */
function ownerOf(request: HttpRequest): string {
  return request.principal ?? SHARED_OWNER;
}

function page(request: HttpRequest) {
  const { limit = pageSize.default } = readOptions(Object.fromEntries(request.query), PAGE);
  const token = nextToken(request.query.get('nextToken') ?? undefined);
  return { limit, ...(token && { nextToken: token }) };
}

function collectionOf(request: HttpRequest): string {
  return request.params.collectionId as string;
}

export async function collectionsHandlers(runtime: Runtime): Promise<Handlers<'collections'>> {
  const { engine, model, readImage } = await imageWork(runtime);
  // Opened at the first request: a process that never serves one never creates the store.
  const collections = collectionsOnFirstUse(() => runtime.collections(), engine);
  return {
    listCollections: async (request) => {
      const { items, nextToken: next } = await collections().list(ownerOf(request), page(request));
      return { body: { collections: items.map(collectionView), ...(next && { nextToken: next }) } };
    },
    createCollection: async (request) => {
      const { collection, created } = await collections().create(ownerOf(request), collectionOf(request));
      return { status: created ? 201 : 200, body: collectionView(collection), log: { created } };
    },
    getCollection: async (request) => ({
      body: collectionView(await collections().get(ownerOf(request), collectionOf(request))),
    }),
    deleteCollection: async (request) => {
      await collections().delete(ownerOf(request), collectionOf(request));
      return { status: 204 };
    },
    indexFaces: async (request) => {
      const { images, fields } = await readImageRequest(request, ['image']);
      const options = readOptions(fields, INDEX);
      const bytes = await readImage(images.image, 'image');
      const result = await collections().index(ownerOf(request), collectionOf(request), bytes, {
        externalId: fields.externalId as string,
        ...options,
        ...(fields.qualityFilter !== undefined && { qualityFilter: qualityFilter(fields.qualityFilter) }),
      });
      return {
        status: 201,
        body: { ...result, model },
        log: {
          imageBytes: bytes.length,
          faces: result.faces.length,
          unindexed: result.unindexedFaces.length,
        },
      };
    },
    listFaces: async (request) => {
      const externalId = request.query.get('externalId') ?? undefined;
      const { items, nextToken: next } = await collections().listFaces(
        ownerOf(request),
        collectionOf(request),
        {
          ...page(request),
          ...(externalId !== undefined && { externalId }),
        },
      );
      return { body: { faces: items.map(faceView), ...(next && { nextToken: next }) } };
    },
    deleteFace: async (request) => {
      await collections().deleteFace(
        ownerOf(request),
        collectionOf(request),
        request.params.faceId as string,
      );
      return { status: 204 };
    },
    deleteSubject: async (request) => {
      const person = request.params.externalId as string;
      const deletedFaces = await collections().forget(ownerOf(request), collectionOf(request), person);
      return { status: 204, log: { deletedFaces } };
    },
    searchFaces: async (request) => {
      const { images, fields } = await readImageRequest(request, ['image']);
      const options = readOptions(fields, SEARCH);
      const bytes = await readImage(images.image, 'image');
      const result = await collections().search(ownerOf(request), collectionOf(request), bytes, {
        ...options,
        ...(fields.maxFpir !== undefined && { maxFpir: maxFpir(fields.maxFpir) }),
      });
      return {
        body: { ...result, model },
        log: {
          imageBytes: bytes.length,
          faceCount: result.faceCount,
          matched: result.matches[0]?.match ?? false,
        },
      };
    },
  };
}
