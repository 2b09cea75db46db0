/**
 * Who may call the API's image routes, picked by the `auth` context switch:
 * - `jwt` (default): a bearer access token from the deployment's Cognito user pool (infra/user-pool.ts) or
 *   the OpenID Provider named by `oidcIssuer`, checked by API Gateway's JWT authorizer: signature against
 *   the issuer's keys, issuer, audience (`aud`, or `client_id` without one) = the page's client, expiry.
 * - `iam`: SigV4-signed requests from principals granted execute-api:Invoke (server to server).
 * - `none`: open to anyone, for a demo; the stage throttle is then the only brake.
 */
import { HttpNoneAuthorizer, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct } from 'constructs';
import type { AuthMode } from './config.ts';

export type ApiAuthProps =
  | { readonly mode: 'jwt'; readonly issuer: string; readonly audience: readonly string[] }
  | { readonly mode: Exclude<AuthMode, 'jwt'> };

/** Headers a browser must be allowed to send for each mode's signed or bearer requests. */
const AUTH_HEADERS: Readonly<Record<AuthMode, readonly string[]>> = {
  iam: ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
  jwt: ['authorization'],
  none: [],
};

export class ApiAuth extends Construct {
  readonly mode: AuthMode;
  /** Guards the image routes; the public routes use HttpNoneAuthorizer whatever the mode. */
  readonly authorizer: IHttpRouteAuthorizer;
  readonly corsAllowHeaders: readonly string[];

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    this.mode = props.mode;
    this.corsAllowHeaders = ['content-type', ...AUTH_HEADERS[props.mode]];
    if (props.mode === 'jwt') {
      this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.issuer, {
        jwtAudience: [...props.audience],
      });
    } else {
      this.authorizer = props.mode === 'iam' ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
    }
  }
}
