/** Everything that can go wrong in a call, and the sentence the page shows for it. */
import { type ErrorCode as EngineCode, ERROR_STATUS } from '../../functions/core/errors.ts';

/** The API's own codes, plus what can fail before or around it. */
export type ErrorCode =
  | EngineCode
  | 'Unauthorized'
  | 'TooManyRequests'
  | 'ServerError'
  | 'NetworkError'
  | 'HttpError';

/** Which photo of a pair an error is about. */
export type ImageRole = 'source' | 'target';

export class ApiError extends Error {
  readonly code: ErrorCode;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly image: ImageRole | undefined;

  constructor(code: ErrorCode, message: string, status: number, image?: ImageRole) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.image = image;
  }
}

/** The codes an API error body may carry that the page tells apart (the engine's). */
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_STATUS));

/** The code for a status when the body is not the API's JSON error (a gateway's, a proxy's). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 413) return 'ImageTooLarge';
  if (status === 415) return 'UnsupportedMediaType';
  if (status === 429) return 'TooManyRequests';
  if (status >= 500) return 'ServerError';
  return 'HttpError';
}

/** Reads an error response: `{"error":{"code","message","image"?}}` when it is the API's own. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const error =
    typeof body === 'object' && body !== null
      ? (body as { error?: Record<string, unknown> }).error
      : undefined;
  const apiCode = typeof error?.code === 'string' && KNOWN_CODES.has(error.code) ? error.code : undefined;
  const code = (apiCode as ErrorCode | undefined) ?? codeForStatus(status);
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  const image = error?.image === 'source' || error?.image === 'target' ? error.image : undefined;
  return new ApiError(code, message, status, image);
}

/** Names for the photos of a pair, as the verification mode labels them. */
export const ROLE_NAMES: Readonly<Record<ImageRole, string>> = {
  source: 'first photo',
  target: 'second photo',
};

/** One or two plain sentences for the page; the API's own message is added where it says more. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return `Something went wrong in the page: ${error instanceof Error ? error.message : String(error)}`;
  }
  const which = error.image ? `the ${ROLE_NAMES[error.image]}` : 'this photo';
  const Which = which.charAt(0).toUpperCase() + which.slice(1);
  switch (error.code) {
    case 'NoFaceDetected':
      return `No face found in ${which}. Try a photo where the face is larger, well lit and turned towards the camera.`;
    case 'InvalidImage':
    case 'UnsupportedMediaType':
      return `${Which} is not an image the service can read. Use a JPEG, PNG or WebP photo.`;
    case 'ImageTooSmall':
      return `${Which} is too small to find a face in. ${error.message}`;
    case 'ImageTooLarge':
      return `${Which} is too large for the service. ${error.message}`;
    case 'PoorFaceQuality':
      return 'The face in this photo is too small, turned away or blurred to enrol reliably. Choose a sharper photo where the face is larger and turned towards the camera.';
    case 'CollectionNotFound':
      return 'This collection does not exist (any more): it may have been deleted. Choose or create another.';
    case 'FaceNotFound':
      return 'That face is not enrolled (any more): it may have been deleted already.';
    case 'ModelMismatch':
      return 'This collection was filled by another face model, whose faces cannot be compared with this one’s. No photos are kept: enrol its people again from their photos, in a new collection.';
    case 'NetworkError':
      return 'Could not reach the service. Check your connection and try again.';
    case 'Unauthorized':
      return 'Sign in to use the service: it answers signed-in people only, and no sign-in is active.';
    case 'Forbidden':
      return 'The service refused the request: this deployment needs signed-in or signed requests.';
    case 'TooManyRequests':
      return 'The service is busy (too many requests). Wait a moment and try again.';
    case 'Busy':
      return 'The service is busy with other photos right now. Try again in a moment.';
    case 'ServerError':
      return `The service had a problem (HTTP ${error.status}). Try again in a moment.`;
    default:
      return `The request failed: ${error.message}`;
  }
}
