/** JSON proxy results with the API's common headers, for answers and errors alike. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ENVIRONMENT } from '../shared/contract.ts';
import { describeError } from './error-body.ts';

/** The web page's origin when it is not the API's own (ENVIRONMENT.corsOrigin); same-origin needs no header. */
export function corsHeaders(): Record<string, string> {
  const origin = process.env[ENVIRONMENT.corsOrigin];
  return origin ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
}

export function jsonResult(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  const json = { 'content-type': 'application/json; charset=utf-8', ...headers };
  return { ...emptyResult(status, json), body: JSON.stringify(body) };
}

export function emptyResult(
  status: number,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'cache-control': 'no-store', ...corsHeaders(), ...headers } };
}

export function errorResult(error: unknown, requestId?: string): APIGatewayProxyStructuredResultV2 {
  const { status, body } = describeError(error, requestId);
  return jsonResult(status, body);
}
