/** Typed errors: every failure a user can cause has a machine-readable code and an HTTP status. */

export const ERROR_STATUS = {
  InvalidRequest: 400,
  InvalidImage: 400,
  ImageTooSmall: 400,
  ImageTooLarge: 413,
  UnsupportedMediaType: 415,
  NoFaceDetected: 422,
  Forbidden: 403,
  NotFound: 404,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class FaceVerifyError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaceVerifyError';
    this.code = code;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
