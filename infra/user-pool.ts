/**
 * Sign-in for the `jwt` deployment (the default): a Cognito user pool as the OpenID Provider, the page's
 * public app client (no secret; authorization-code grant only, which the page always runs with PKCE S256;
 * no implicit flow; scopes `openid email`), and a managed-login domain under a prefix of our choosing.
 * Users are created by an administrator unless `selfSignUp` lets people sign up, with their e-mail
 * address verified.
 */
import { Aws, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { OidcConfig } from '../functions/shared/site-config.ts';

export interface UserPoolSignInProps {
  /** The page's URLs, each registered for the return from sign-in and from sign-out. */
  readonly pageUrls: readonly string[];
  /** The managed-login domain's prefix: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  readonly selfSignUp: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** The scopes the page asks for; the access token carries them. */
export const SIGN_IN_SCOPES = [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL] as const;

export class UserPoolSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** The issuer of the pool's tokens, as their `iss` and the discovery document name it. */
  readonly issuer: string;
  private readonly signOutPage: string;
  private readonly domainPrefix: string;

  /**
   * The origins the page fetches from to sign in (discovery at the issuer, tokens at the domain), known
   * before the pool exists so the site's CSP can name them without depending on it.
   */
  static connectOrigins(domainPrefix: string): string[] {
    return [`https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}`, domainOrigin(domainPrefix)];
  }

  constructor(scope: Construct, id: string, props: UserPoolSignInProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: props.selfSignUp,
      ...(props.selfSignUp && {
        autoVerify: { email: true },
        userVerification: { emailStyle: cognito.VerificationEmailStyle.CODE },
      }),
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Managed login (the sign-in pages) needs Essentials or Plus; Essentials has no per-user fee up to
      // its free tier and no threat protection.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'TOTP MFA is offered on the managed sign-in pages; requiring it would make every demo user set up an authenticator app first.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus plan (threat protection) has a per-user fee this demo does not carry.',
      },
    );

    const pageUrls = [...props.pageUrls];
    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [...SIGN_IN_SCOPES],
        callbackUrls: pageUrls,
        logoutUrls: pageUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login shows its pages only to clients with a style: Cognito's own look.
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.issuer = `https://${this.userPool.userPoolProviderName}`;
    this.signOutPage = pageUrls[0] ?? '';
    this.domainPrefix = props.domainPrefix;
  }

  /**
   * The page's `oidc` settings. Cognito's discovery names no end-session endpoint: its `/logout` takes
   * `client_id` and `logout_uri` (one of the sign-out URLs), so the complete URL is written here.
   */
  pageConfig(): OidcConfig {
    const logout = `${domainOrigin(this.domainPrefix)}/logout`;
    return {
      issuer: this.issuer,
      clientId: this.client.userPoolClientId,
      scope: SIGN_IN_SCOPES.map((s) => s.scopeName).join(' '),
      logoutUrl: `${logout}?client_id=${this.client.userPoolClientId}&logout_uri=${this.signOutPage}`,
    };
  }

  /** The managed sign-in page's URL, for the stack's outputs. */
  get signInOrigin(): string {
    return domainOrigin(this.domainPrefix);
  }
}

function domainOrigin(prefix: string): string {
  return `https://${prefix}.auth.${Aws.REGION}.amazoncognito.com`;
}

/** `faceverify-<stage>-<account id>`: unique per account and stage, as a prefix must be in its region. */
export function defaultDomainPrefix(scope: Construct, stage: string): string {
  return `faceverify-${stage}-${Stack.of(scope).account}`;
}
