/** The recorded API Gateway HTTP API (payload 2.0) events of test/fixtures/events, with a body of the test's choosing. */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const EVENTS = new URL('../fixtures/events/', import.meta.url);

export function fixtureEvent(name: string): APIGatewayProxyEventV2 {
  return JSON.parse(readFileSync(new URL(name, EVENTS), 'utf8')) as APIGatewayProxyEventV2;
}

/** The fixture with this body, as API Gateway delivers it: JSON as text, an image base64-encoded. */
export function withBody(
  name: string,
  body: Buffer | Record<string, unknown>,
  rawQueryString = '',
): APIGatewayProxyEventV2 {
  const event = fixtureEvent(name);
  const binary = Buffer.isBuffer(body);
  const text = binary ? body.toString('base64') : JSON.stringify(body);
  return {
    ...event,
    rawQueryString,
    headers: {
      ...event.headers,
      'content-type': binary ? 'image/jpeg' : 'application/json',
      'content-length': String(binary ? body.length : Buffer.byteLength(text)),
    },
    body: text,
    isBase64Encoded: binary,
  };
}
