/** The HTTP API client: one method per route the page uses, errors as ApiError. */
import { blobToBase64 } from './base64.ts';
import { endpoint } from './config.ts';
import { ApiError, errorFromResponse } from './errors.ts';
import type {
  DetectResponse,
  ImagePayload,
  S3Ref,
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

type JsonImage = string | { s3: S3Ref };

/** Where API calls get their bearer token (auth `jwt`): web/src/auth.ts's session. */
export interface Credentials {
  /** The access token, or undefined when signed out (the call then goes without, and is refused). */
  accessToken(): Promise<string | undefined>;
  /** After a 401: renew the token; false when the person must sign in again. */
  refresh(): Promise<boolean>;
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

  private async call<T>(path: string, init: RequestInit): Promise<T> {
    let response = await this.send(endpoint(this.apiBase, path), await this.authorized(init));
    // A token refused (expired early, revoked): renew it once and try again with the same photos.
    if (response.status === 401 && (await this.credentials?.refresh())) {
      await response.body?.cancel();
      response = await this.send(endpoint(this.apiBase, path), await this.authorized(init));
    }
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw errorFromResponse(response.status, body);
    if (body === undefined)
      throw new ApiError('HttpError', 'The service sent a response that is not JSON.', 200);
    return body as T;
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
