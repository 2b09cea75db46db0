/** The HTTP API client: one method per route the page uses, errors as ApiError. */
import { blobToBase64 } from './base64.ts';
import { endpoint } from './config.ts';
import { ApiError, errorFromResponse } from './errors.ts';
import type {
  Collection,
  CollectionList,
  DetectResponse,
  FaceList,
  ImagePayload,
  IndexFacesResponse,
  S3Ref,
  SearchResponse,
  UploadsResponse,
  UploadTicket,
  VerifyResponse,
} from './types.ts';

export interface DetectOptions {
  crops?: boolean;
  minScore?: number;
  maxFaces?: number;
}

export interface VerifyOptions {
  threshold?: number;
}

export interface PageOptions {
  limit?: number;
  nextToken?: string;
}

export interface SearchOptions {
  maxResults?: number;
  maxFpir?: number;
  threshold?: number;
}

type JsonImage = string | { s3: S3Ref };

/** Where API calls get their bearer token (auth `jwt`): web/src/auth.ts's session. */
export interface Credentials {
  /** The access token, or undefined when signed out (the call then goes without, and is refused). */
  accessToken(): Promise<string | undefined>;
  /** After a 401: renew the token; false when the person must sign in again. */
  refresh(): Promise<boolean>;
}

/**
 * An id as one path segment. Ids are checked against the API's pattern first (ids.ts); `:` and `@`, which
 * a person's id may hold, are legal in a path as they are, so only anything else gets escaped.
 */
function segment(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function toJsonImage(image: ImagePayload): Promise<JsonImage> {
  return image.kind === 's3' ? { s3: image.s3 } : blobToBase64(image.blob);
}

export class ApiClient {
  constructor(
    private readonly apiBase: string,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
    private readonly credentials?: Credentials,
  ) {}

  /** Raw bytes go as the body with their own Content-Type; an uploaded image as JSON. */
  async detect(
    image: ImagePayload,
    options: DetectOptions = {},
    signal?: AbortSignal,
  ): Promise<DetectResponse> {
    const query = new URLSearchParams();
    if (options.crops) query.set('crops', 'true');
    if (options.minScore !== undefined) query.set('minScore', String(options.minScore));
    if (options.maxFaces !== undefined) query.set('maxFaces', String(options.maxFaces));
    const search = query.toString();
    const path = search ? `detect?${search}` : 'detect';
    const init: RequestInit =
      image.kind === 'bytes'
        ? {
            body: image.blob,
            headers: { 'Content-Type': image.blob.type || 'application/octet-stream' },
          }
        : jsonInit({ image: { s3: image.s3 } });
    return this.call<DetectResponse>(path, { ...init, method: 'POST', signal });
  }

  async verify(
    source: ImagePayload,
    target: ImagePayload,
    options: VerifyOptions = {},
    signal?: AbortSignal,
  ): Promise<VerifyResponse> {
    const body: Record<string, unknown> = {
      source: await toJsonImage(source),
      target: await toJsonImage(target),
    };
    if (options.threshold !== undefined) body.threshold = options.threshold;
    return this.call<VerifyResponse>('verify', { ...jsonInit(body), method: 'POST', signal });
  }

  /** Creates the collection, or answers the existing one unchanged (`created: false`). */
  async createCollection(
    collectionId: string,
    signal?: AbortSignal,
  ): Promise<{ collection: Collection; created: boolean }> {
    const { body, status } = await this.request<Collection>(`collections/${segment(collectionId)}`, {
      method: 'PUT',
      signal,
    });
    return { collection: body, created: status === 201 };
  }

  getCollection(collectionId: string, signal?: AbortSignal): Promise<Collection> {
    return this.call<Collection>(`collections/${segment(collectionId)}`, { signal });
  }

  listCollections(options: PageOptions = {}, signal?: AbortSignal): Promise<CollectionList> {
    return this.call<CollectionList>(withQuery('collections', { ...options }), { signal });
  }

  async deleteCollection(collectionId: string, signal?: AbortSignal): Promise<void> {
    await this.call(`collections/${segment(collectionId)}`, { method: 'DELETE', signal });
  }

  /** Enrols the photo's face (its subject) under `externalId`. */
  async indexFace(
    collectionId: string,
    image: ImagePayload,
    externalId: string,
    signal?: AbortSignal,
  ): Promise<IndexFacesResponse> {
    const body = { image: await toJsonImage(image), externalId };
    return this.call<IndexFacesResponse>(`collections/${segment(collectionId)}/faces`, {
      ...jsonInit(body),
      method: 'POST',
      signal,
    });
  }

  listFaces(
    collectionId: string,
    options: PageOptions & { externalId?: string } = {},
    signal?: AbortSignal,
  ): Promise<FaceList> {
    return this.call<FaceList>(withQuery(`collections/${segment(collectionId)}/faces`, { ...options }), {
      signal,
    });
  }

  /** Deletes every face of one person: an erasure request. */
  async forgetPerson(collectionId: string, externalId: string, signal?: AbortSignal): Promise<void> {
    await this.call(`collections/${segment(collectionId)}/subjects/${segment(externalId)}`, {
      method: 'DELETE',
      signal,
    });
  }

  /** Who, of the people enrolled, the photo's subject is. */
  async searchFaces(
    collectionId: string,
    image: ImagePayload,
    options: SearchOptions = {},
    signal?: AbortSignal,
  ): Promise<SearchResponse> {
    const body = { image: await toJsonImage(image), ...options };
    return this.call<SearchResponse>(`collections/${segment(collectionId)}/search`, {
      ...jsonInit(body),
      method: 'POST',
      signal,
    });
  }

  /** Asks for a presigned PUT, sends the file to it, and returns where it now is. */
  async upload(file: Blob, signal?: AbortSignal): Promise<ImagePayload> {
    const contentType = file.type || 'application/octet-stream';
    const { uploads } = await this.call<UploadsResponse>('uploads', {
      ...jsonInit({ files: [{ contentType, contentLength: file.size }] }),
      method: 'POST',
      signal,
    });
    const ticket: UploadTicket | undefined = uploads[0];
    if (!ticket) throw new ApiError('HttpError', 'The service returned no upload URL.', 200);
    const response = await this.send(ticket.url, {
      method: ticket.method,
      headers: ticket.headers,
      body: file,
      signal,
    });
    if (!response.ok)
      throw new ApiError('HttpError', `Upload failed (HTTP ${response.status}).`, response.status);
    return { kind: 's3', s3: ticket.s3 };
  }

  private async call<T = void>(path: string, init: RequestInit): Promise<T> {
    return (await this.request<T>(path, init)).body;
  }

  /** The answer's JSON and status; no body for a 204 (a deletion). */
  private async request<T>(path: string, init: RequestInit): Promise<{ body: T; status: number }> {
    let response = await this.send(endpoint(this.apiBase, path), await this.authorized(init));
    // A token refused (expired early, revoked): renew it once and try again with the same photos.
    if (response.status === 401 && (await this.credentials?.refresh())) {
      await response.body?.cancel();
      response = await this.send(endpoint(this.apiBase, path), await this.authorized(init));
    }
    if (response.status === 204) return { body: undefined as T, status: 204 };
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw errorFromResponse(response.status, body);
    if (body === undefined)
      throw new ApiError('HttpError', 'The service sent a response that is not JSON.', 200);
    return { body: body as T, status: response.status };
  }

  /** The API's own calls carry the bearer token; the presigned upload to S3 never does. */
  private async authorized(init: RequestInit): Promise<RequestInit> {
    const token = await this.credentials?.accessToken();
    if (!token) return init;
    return {
      ...init,
      headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
    };
  }

  /** fetch, with "no response at all" as a NetworkError; an abort stays an AbortError. */
  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError('NetworkError', error instanceof Error ? error.message : String(error), 0);
    }
  }
}

function jsonInit(body: unknown): RequestInit {
  return { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
}
