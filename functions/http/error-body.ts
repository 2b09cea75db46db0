/** Every failure as the API's error body `{"error":{"code","message",…details}}` and its HTTP status. */
import { type ErrorCode, FaceVerifyError } from '../core/errors.ts';

/** The engine's codes, plus those only the transport can produce (401 comes from the JWT authorizer). */
export type ApiErrorCode = ErrorCode | 'MethodNotAllowed' | 'InternalError' | 'Unauthorized';

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string } & Record<string, string | number>;
}

export interface DescribedError {
  status: number;
  body: ErrorBody;
  /** False for a fault of ours rather than of the request: worth an error log and its stack. */
  expected: boolean;
}

export function describeError(error: unknown, requestId?: string): DescribedError {
  if (error instanceof FaceVerifyError) {
    return { status: error.status, body: { error: error.toJSON() }, expected: true };
  }
  // The cause stays in the log: its message may name internals the caller has no use for.
  const reference = requestId ? ` (request ${requestId})` : '';
  return {
    status: 500,
    body: { error: { code: 'InternalError', message: `The service failed to answer${reference}.` } },
    expected: false,
  };
}
