/**
 * Who may call the API's image routes, picked by the `auth` context switch:
 * - `iam` (default): SigV4-signed requests from principals granted execute-api:Invoke.
 * - `jwt`: a Cognito user pool's tokens; users are created by an administrator, never self-signed-up.
 * - `none`: open to anyone, for a demo; the stage throttle is then the only brake.
 */
import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpNoneAuthorizer, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { AuthMode } from './config.ts';

export interface ApiAuthProps {
  readonly mode: AuthMode;
  readonly removalPolicy: RemovalPolicy;
}

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
  readonly userPool: cognito.UserPool | undefined;
  readonly userPoolClient: cognito.UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    this.mode = props.mode;
    this.corsAllowHeaders = ['content-type', ...AUTH_HEADERS[props.mode]];
    if (props.mode === 'jwt') {
      this.userPool = new cognito.UserPool(this, 'Users', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
        },
        mfa: cognito.Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        removalPolicy: props.removalPolicy,
      });
      Validations.of(this.userPool).acknowledge(
        {
          id: 'AwsSolutions-COG2',
          reason:
            'Only administrators create users; TOTP MFA is offered, and requiring it would force the demo page to implement the MFA-setup challenge.',
        },
        {
          id: 'AwsSolutions-COG8',
          reason: 'The Plus plan (threat protection) has a per-user fee this demo does not carry.',
        },
      );
      // A public client: the page signs in with SRP and holds no secret.
      this.userPoolClient = this.userPool.addClient('WebClient', {
        authFlows: { userSrp: true },
        generateSecret: false,
        preventUserExistenceErrors: true,
      });
      this.authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', this.userPool, {
        userPoolClients: [this.userPoolClient],
      });
    } else {
      this.authorizer = props.mode === 'iam' ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
    }
  }
}
