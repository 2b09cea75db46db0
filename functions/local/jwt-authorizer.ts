/**
 * The local stand-in for API Gateway's JWT authorizer, checking what it checks
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html): a bearer
 * token in `Authorization`, its RSA signature against the issuer's JWKS (found through discovery), `iss`,
 * `aud` (or `client_id` when there is no `aud`) against the audiences, `exp`, `nbf` and `iat`.
 * Every refusal is the API's 401 error with `WWW-Authenticate: Bearer`; nothing of the request runs.
 */
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { ErrorBody } from '../http/error-body.ts';
import { jsonResult } from '../http/responses.ts';

export interface JwtAuthorizerOptions {
  /** The token issuer, exactly as the tokens' `iss` spells it. */
  readonly issuer: string;
  /** The accepted `aud` (or `client_id`) values: the page's client id. */
  readonly audience: readonly string[];
}

/** The claims of an accepted token; a refused one throws Unauthorized. */
export type Authorize = (authorization: string | undefined) => Promise<JWTPayload>;

export class Unauthorized extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unauthorized';
  }

  /** The 401 answer: the API's error body, and the challenge RFC 6750 asks for. */
  result(): APIGatewayProxyStructuredResultV2 {
    const body: ErrorBody = { error: { code: 'Unauthorized', message: this.message } };
    return jsonResult(401, body, { 'www-authenticate': 'Bearer' });
  }
}

/** API Gateway accepts RSA signatures only. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

export async function jwtAuthorizer(options: JwtAuthorizerOptions): Promise<Authorize> {
  const jwks = createRemoteJWKSet(await jwksUri(options.issuer));
  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) {
      throw new Unauthorized(
        authorization
          ? 'The Authorization header is not "Bearer <JWT>".'
          : 'Sign in first: this route needs an Authorization: Bearer <access token> header.',
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: options.issuer, algorithms: ALGORITHMS }));
    } catch (error) {
      throw new Unauthorized(refusal(error));
    }
    if (typeof payload.iat === 'number' && payload.iat * 1000 > Date.now()) {
      throw new Unauthorized('The token is issued in the future.');
    }
    // As API Gateway: `aud` when the token has one, else `client_id`.
    const audiences = payload.aud === undefined ? [payload.client_id] : [payload.aud].flat();
    if (!audiences.some((value) => typeof value === 'string' && options.audience.includes(value))) {
      throw new Unauthorized('The token is not for this API (audience).');
    }
    return payload;
  };
}

/**
 * The accepted token's claims as API Gateway's JWT authorizer hands them to the integration
 * (`requestContext.authorizer.jwt`): every value a string, arrays as `[a b]`, and the `scope` claim's
 * scopes listed.
 */
export function jwtAuthorizerContext(claims: JWTPayload): APIGatewayEventRequestContextJWTAuthorizer {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    strings[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : null;
  return { jwt: { claims: strings, scopes } };
}

/** Why jose refused the token, in words that name no part of it. */
function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired: sign in again.';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') {
    return 'The token is from another issuer.';
  }
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is invalid.`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'The token is signed by an unknown key.';
  return 'The token is not a valid signed JWT.';
}

async function jwksUri(issuer: string): Promise<URL> {
  const discovery = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const response = await fetch(discovery);
  if (!response.ok) throw new Error(`${discovery} answered HTTP ${response.status}`);
  const { jwks_uri: uri } = (await response.json()) as { jwks_uri?: unknown };
  if (typeof uri !== 'string') throw new Error(`${discovery} names no jwks_uri`);
  return new URL(uri);
}
