import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, synth } from './helpers.ts';

/** The page's URL on CloudFront, as the template spells it. */
function siteUrl(distributionId: string) {
  return { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };
}

describe('UserPoolSignIn (the default auth=jwt)', () => {
  const { stack, template } = synth();
  const site = siteUrl(logicalId(stack.website.distribution));

  it('makes a public client for the authorization-code grant only, scopes openid and email, back to the page', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [site],
      LogoutURLs: [site],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client?.Properties.AllowedOAuthFlows).not.toContain('implicit');
    expect(client?.Properties.ClientSecret).toBeUndefined();
  });

  it('lets only administrators create users, unless selfSignUp=true (then e-mail is verified)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
    });
    const open = synth({ selfSignUp: 'true' }).template;
    open.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AutoVerifiedAttributes: ['email'],
      VerificationMessageTemplate: Match.objectLike({ DefaultEmailOption: 'CONFIRM_WITH_CODE' }),
    });
  });

  it('serves managed login on a domain whose prefix is a context switch', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['faceverify-dev-', { Ref: 'AWS::AccountId' }]] },
      ManagedLoginVersion: 2,
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      UseCognitoProvidedValues: true,
      ClientId: { Ref: logicalId(stack.signIn?.client ?? stack) },
    });
    const custom = synth({ authDomainPrefix: 'faces-demo' }).template;
    custom.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'faces-demo' });
  });

  it('adds the custom site origin (first: sign-out returns there) and an opt-in localhost page to the return URLs', () => {
    const { template: withOrigins } = synth({
      siteOrigin: 'https://faces.example.com',
      devOrigin: 'http://localhost:3000',
    });
    const [client] = Object.values(withOrigins.findResources('AWS::Cognito::UserPoolClient'));
    for (const key of ['CallbackURLs', 'LogoutURLs']) {
      expect(client?.Properties[key]).toEqual([
        'https://faces.example.com/',
        expect.objectContaining({ 'Fn::Join': expect.any(Array) }),
        'http://localhost:3000/',
      ]);
    }
  });

  it('is absent with auth=iam and auth=none', () => {
    for (const auth of ['iam', 'none']) {
      const { template: other } = synth({ auth });
      other.resourceCountIs('AWS::Cognito::UserPool', 0);
      other.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    }
  });
});
