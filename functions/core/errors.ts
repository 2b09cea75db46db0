/** Typed errors: every failure a user can cause has a machine-readable code and an HTTP status. */

export const ERROR_STATUS = {
  InvalidRequest: 400,
  InvalidImage: 400,
  ImageTooSmall: 400,
  ImageTooLarge: 413,
  UnsupportedMediaType: 415,
  NoFaceDetected: 422,
  /** Enrolment's quality filter refused every face of the photo (details.reason says why). */
  PoorFaceQuality: 422,
  Forbidden: 403,
  NotFound: 404,
  CollectionNotFound: 404,
  FaceNotFound: 404,
  /** A collection filled by another embedder: its people must be enrolled again from their photos. */
  ModelMismatch: 409,
  /**
   * The local server's bounded queue is full or its wait timed out (functions/local/limiter.ts), or the
   * engine worker running the request stopped (engine-pool.ts): nothing came of it, send it again.
   */
  Busy: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Machine-readable context, e.g. which image of a pair had no face: `{ image: 'target' }`. */
export type ErrorDetails = Record<string, string | number>;

export class FaceVerifyError extends Error {
  readonly code: ErrorCode;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ErrorDetails }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FaceVerifyError';
    this.code = code;
    if (options?.details) this.details = options.details;
  }

  /** The same error with more details, e.g. which image of a pair it concerns. */
  withDetails(details: ErrorDetails): FaceVerifyError {
    return new FaceVerifyError(this.code, this.message, {
      cause: this.cause,
      details: { ...this.details, ...details },
    });
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): { code: ErrorCode; message: string } & ErrorDetails {
    return { ...this.details, code: this.code, message: this.message };
  }
}
