/**
 * The /collections routes: a thin adapter from HTTP to the collections service. Each collection belongs
 * to the caller (the token's subject, or the signing principal); with auth=none everyone shares one.
 */

import { type Collections, collectionView, faceView } from '../collections/collections.ts';
import { COLLECTION_LIMITS, maxFpir, nextToken } from '../collections/ids.ts';
import { SIMILARITY_RANGE } from '../core/compare.ts';
import type { Route } from '../http/handler.ts';
import { readImageRequest } from '../http/inputs.ts';
import { readOptions } from '../http/options.ts';
import type { HttpRequest } from '../http/request.ts';
import type { ImageResolver } from '../shared/images.ts';
import type { ModelSummary } from '../shared/models.ts';

const { maxFaces, maxResults, pageSize } = COLLECTION_LIMITS;

const PAGE = { limit: { type: 'number', ...pageSize, integer: true } } as const;
const INDEX = { maxFaces: { type: 'number', ...maxFaces, integer: true } } as const;
const SEARCH = {
  maxResults: { type: 'number', ...maxResults, integer: true },
  threshold: { type: 'number', ...SIMILARITY_RANGE },
} as const;

export interface CollectionRoutesDeps {
  collections: Collections;
  resolveImage: ImageResolver;
  /** The models every answer names. */
  model: ModelSummary;
}

/** The namespace a request's collections live in. */
function ownerOf(request: HttpRequest): string {
  return request.principal ?? '';
}

export function collectionRoutes({ collections, resolveImage, model }: CollectionRoutesDeps) {
  const page = (request: HttpRequest) => {
    const { limit = pageSize.default } = readOptions(Object.fromEntries(request.query), PAGE);
    const token = nextToken(request.query.get('nextToken') ?? undefined);
    return { limit, ...(token && { nextToken: token }) };
  };
  const id = (request: HttpRequest) => request.params.collectionId as string;

  return {
    'GET /collections': async (request) => {
      const { items, nextToken: next } = await collections.list(ownerOf(request), page(request));
      return { body: { collections: items.map(collectionView), ...(next && { nextToken: next }) } };
    },
    'PUT /collections/{collectionId}': async (request) => {
      const { collection, created } = await collections.create(ownerOf(request), id(request));
      return { status: created ? 201 : 200, body: collectionView(collection), log: { created } };
    },
    'GET /collections/{collectionId}': async (request) => ({
      body: collectionView(await collections.get(ownerOf(request), id(request))),
    }),
    'DELETE /collections/{collectionId}': async (request) => {
      await collections.delete(ownerOf(request), id(request));
      return { status: 204, body: undefined };
    },
    'POST /collections/{collectionId}/faces': async (request) => {
      const { images, fields } = await readImageRequest(request, ['image']);
      const options = readOptions(fields, INDEX);
      const bytes = await resolveImage(images.image, 'image');
      const result = await collections.index(ownerOf(request), id(request), bytes, {
        externalId: fields.externalId as string,
        ...options,
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
    'GET /collections/{collectionId}/faces': async (request) => {
      const externalId = request.query.get('externalId') ?? undefined;
      const { items, nextToken: next } = await collections.listFaces(ownerOf(request), id(request), {
        ...page(request),
        ...(externalId !== undefined && { externalId }),
      });
      return { body: { faces: items.map(faceView), ...(next && { nextToken: next }) } };
    },
    'DELETE /collections/{collectionId}/faces/{faceId}': async (request) => {
      await collections.deleteFace(ownerOf(request), id(request), request.params.faceId as string);
      return { status: 204, body: undefined };
    },
    'DELETE /collections/{collectionId}/subjects/{externalId}': async (request) => {
      const deleted = await collections.forget(
        ownerOf(request),
        id(request),
        request.params.externalId as string,
      );
      return { status: 204, body: undefined, log: { deletedFaces: deleted } };
    },
    'POST /collections/{collectionId}/search': async (request) => {
      const { images, fields } = await readImageRequest(request, ['image']);
      const options = readOptions(fields, SEARCH);
      const bytes = await resolveImage(images.image, 'image');
      const result = await collections.search(ownerOf(request), id(request), bytes, {
        ...options,
        ...(fields.maxFpir !== undefined && { maxFpir: maxFpir(fields.maxFpir) }),
      });
      const [top] = result.matches;
      return {
        body: { ...result, model },
        log: { imageBytes: bytes.length, faceCount: result.faceCount, matched: top?.match ?? false },
      };
    },
  } satisfies Record<string, Route>;
}
