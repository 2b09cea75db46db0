/**
 * An API Gateway HTTP API (payload 2.0) event as what the routes read: method, path and its parameters,
 * query, body bytes, and who the authorizer says the caller is.
 */
import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyEventV2,
} from 'aws-lambda';
import { FaceVerifyError } from '../core/errors.ts';
import type { AuthMode } from '../shared/contract.ts';

/** The event as the authorizers fill it in: `jwt` with the token's claims, `iam` with the signer. */
export type ApiEvent = APIGatewayProxyEventV2 & {
  requestContext: {
    authorizer?: Partial<
      APIGatewayEventRequestContextJWTAuthorizer & APIGatewayEventRequestContextIAMAuthorizer
    >;
  };
};

export interface HttpRequest {
  method: string;
  /** The path as sent, e.g. `/collections/team-a`. */
  path: string;
  /** The route template's `{param}` values, percent-decoded: `{ collectionId: 'team-a' }`. */
  params: Readonly<Record<string, string>>;
  /**
   * Who the caller is, as the deployment's authorizer established it: with auth=jwt the token's `sub`,
   * with auth=iam the signer's ARN; undefined with auth=none and on public routes.
   */
  principal: string | undefined;
  /** Lower-case header names; API Gateway joins repeated headers with commas. */
  headers: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The media type without parameters, lower case, e.g. `multipart/form-data`. */
  mediaType: string | undefined;
  /** The body as sent, whether or not API Gateway base64-encoded it. */
  body: Uint8Array;
  requestId: string;
}

export function toHttpRequest(
  event: ApiEvent,
  auth: AuthMode,
  params: Readonly<Record<string, string>>,
): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    params,
    principal: principalOf(event, auth),
    headers,
    query: new URLSearchParams(event.rawQueryString),
    mediaType: headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined,
    body: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
    requestId: event.requestContext.requestId,
  };
}

/** API Gateway's `pathParameters`, already percent-decoded. */
export function pathParameters(event: ApiEvent): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) params[name] = value;
  }
  return params;
}

/** Read as the mode says, so that no other authorizer's context can stand in for the caller. */
function principalOf(event: ApiEvent, auth: AuthMode): string | undefined {
  const authorizer = event.requestContext.authorizer;
  const principal =
    auth === 'jwt' ? authorizer?.jwt?.claims.sub : auth === 'iam' ? authorizer?.iam?.userArn : undefined;
  return typeof principal === 'string' && principal !== '' ? principal : undefined;
}

export function parseJson(request: HttpRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(request.body).toString('utf8'));
  } catch (cause) {
    throw new FaceVerifyError('InvalidRequest', `The body is not valid JSON: ${(cause as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaceVerifyError('InvalidRequest', 'The JSON body must be an object.');
  }
  return value as Record<string, unknown>;
}

/** Node's own multipart parser, through the fetch API's Request. */
export async function parseMultipart(request: HttpRequest): Promise<FormData> {
  const contentType = request.headers['content-type'] ?? '';
  try {
    return await new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      // Decoded from a string, so never a SharedArrayBuffer.
      body: request.body as Uint8Array<ArrayBuffer>,
    }).formData();
  } catch {
    throw new FaceVerifyError(
      'InvalidRequest',
      'The multipart/form-data body could not be parsed (is the boundary in Content-Type right?).',
    );
  }
}
