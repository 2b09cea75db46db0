/**
 * Who may call the API's image routes, picked by the `auth` context switch:
 * - `jwt` (default): a bearer access token from the deployment's Cognito user pool (infra/user-pool.ts),
 *   checked by API Gateway's JWT authorizer: signature, issuer = the pool, audience = the page's client.
 * - `iam`: SigV4-signed requests from principals granted execute-api:Invoke (server to server).
 * - `none`: open to anyone, for a demo; the stage throttle is then the only brake.
 */
import { HttpNoneAuthorizer, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct } from 'constructs';
import type { AuthMode } from './config.ts';
import type { UserPoolSignIn } from './user-pool.ts';

export type ApiAuthProps =
  | { readonly mode: 'jwt'; readonly signIn: UserPoolSignIn }
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
      this.authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', props.signIn.userPool, {
        userPoolClients: [props.signIn.client],
      });
    } else {
      this.authorizer = props.mode === 'iam' ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
    }
  }
}
