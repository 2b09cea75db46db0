/**
 * node:http ⇄ API Gateway HTTP API payload 2.0, the way API Gateway and Lambda shape them: text bodies
 * as text, others base64-encoded, and a body too large for a synchronous Lambda invocation refused.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { FaceVerifyError } from '../core/errors.ts';
import type { ApiEvent } from '../http/request.ts';

/** What API Gateway adds to the event once it has routed and authorized the request. */
export interface RouteContext {
  /** The route's key with its template (`DELETE /collections/{collectionId}`), or `$default`. */
  routeKey: string;
  /** The template's parameters, percent-decoded. */
  pathParameters?: Record<string, string>;
  /** The authorizer's context, e.g. `{ jwt: { claims, scopes } }`. */
  authorizer?: ApiEvent['requestContext']['authorizer'];
}

/** Lambda's synchronous invocation payload limit, which the event's body must fit in. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Content types API Gateway hands over as text; it base64-encodes the rest. */
const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i;

export async function toEvent(
  request: IncomingMessage,
  { routeKey, pathParameters, authorizer }: RouteContext,
): Promise<ApiEvent> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie')
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  // Base64 inflates by a third, so a binary body has three quarters of the payload to fill.
  const body = await readBody(request, text ? LAMBDA_PAYLOAD_BYTES : (LAMBDA_PAYLOAD_BYTES / 4) * 3);
  const query = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    query.set(name, query.has(name) ? `${query.get(name)},${value}` : value);
  }
  const host = headers.host ?? 'localhost';
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie && { cookies: request.headers.cookie.split(/;\s*/) }),
    headers,
    ...(query.size > 0 && { queryStringParameters: Object.fromEntries(query) }),
    ...(pathParameters && Object.keys(pathParameters).length > 0 && { pathParameters }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      ...(authorizer && { authorizer }),
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: body.toString(text ? 'utf8' : 'base64') }),
    isBase64Encoded: !text && body.length > 0,
  };
}

/** The whole body, or a 413 once it passes `limit` bytes (read to the end, so the answer can be sent). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    throw new FaceVerifyError(
      'ImageTooLarge',
      `The request body is ${size} bytes; a request to Lambda holds at most ${limit} (6 MB, less base64's third for binary bodies). Send larger images through POST /uploads.`,
    );
  }
  return Buffer.concat(chunks);
}

export function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ?? '';
  response.writeHead(result.statusCode ?? 200, {
    ...result.headers,
    ...(result.cookies && { 'set-cookie': result.cookies }),
  });
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/** `28/Nov/2026:04:50:00 +0000`, API Gateway's requestContext.time. */
function requestTime(date: Date): string {
  const [, day, month, year, time] = /^\w+, (\d+) (\w+) (\d+) ([\d:]+)/.exec(date.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
}
