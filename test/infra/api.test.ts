import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../functions/http/routes.ts';
import { logicalId, synth } from './helpers.ts';

const PUBLIC_ROUTES = ROUTES.filter((route) => route.access === 'public').map(routeKey);
const IMAGE_ROUTES = ROUTES.filter((route) => route.access === 'authorized').map(routeKey);

function routesByKey(template: ReturnType<typeof synth>['template']) {
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
  return Object.fromEntries(routes.map((route) => [route.Properties.RouteKey, route.Properties]));
}

describe('Api', () => {
  // The default deployment: auth=jwt.
  const deployed = synth();

  it('serves exactly the routes of the route table, each onto the function it names', () => {
    const routes = routesByKey(deployed.template);
    expect(PUBLIC_ROUTES).toEqual(['GET /health', 'GET /openapi.json']);
    expect(Object.keys(routes).sort()).toEqual(ROUTES.map(routeKey).sort());
    const integrations = deployed.template.findResources('AWS::ApiGatewayV2::Integration');
    for (const route of ROUTES) {
      const handler = route.function;
      const target = routes[routeKey(route)]?.Target as { 'Fn::Join': [string, unknown[]] };
      const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
      const integration = integrations[integrationId]?.Properties;
      expect(integration?.PayloadFormatVersion).toBe('2.0');
      expect(integration?.IntegrationUri).toEqual({
        'Fn::GetAtt': [logicalId(deployed.stack.functions.functions[handler]), 'Arn'],
      });
    }
  });

  it('lets only the site origin call it from a browser', () => {
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: [
          {
            'Fn::Join': [
              '',
              ['https://', { 'Fn::GetAtt': [logicalId(deployed.stack.website.distribution), 'DomainName'] }],
            ],
          },
        ],
        AllowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        AllowHeaders: ['content-type', 'authorization'],
      },
    });
  });

  it('adds a development origin when devOrigin is set', () => {
    const { template } = synth({ devOrigin: 'http://localhost:3000' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [Match.anyValue(), 'http://localhost:3000'] }),
    });
  });

  it('takes the siteOrigin override instead of the CloudFront domain', () => {
    const { template } = synth({ siteOrigin: 'https://faces.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://faces.example.com'] }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://faces.example.com'] })] },
    });
  });

  it('throttles the $default stage and writes JSON access logs', () => {
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    const { template } = synth({ throttleRateLimit: '50', throttleBurstLimit: '80' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 },
    });
  });

  it('signs the image routes with IAM with auth=iam and leaves health and the OpenAPI document public', () => {
    const iam = synth({ auth: 'iam' });
    const routes = routesByKey(iam.template);
    for (const key of IMAGE_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('AWS_IAM');
    for (const key of PUBLIC_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('NONE');
    iam.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    iam.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowHeaders: [
          'content-type',
          'authorization',
          'x-amz-date',
          'x-amz-security-token',
          'x-amz-content-sha256',
        ],
      }),
    });
  });

  it('checks the user pool’s tokens on the image routes by default (issuer = the pool, audience = the page’s client)', () => {
    const routes = routesByKey(deployed.template);
    const [authorizerId] = Object.keys(deployed.template.findResources('AWS::ApiGatewayV2::Authorizer'));
    for (const key of IMAGE_ROUTES) {
      expect(routes[key]?.AuthorizationType, key).toBe('JWT');
      expect(routes[key]?.AuthorizerId, key).toEqual({ Ref: authorizerId });
    }
    for (const key of PUBLIC_ROUTES) {
      expect(routes[key]?.AuthorizationType, key).toBe('NONE');
      expect(routes[key]?.AuthorizerId, key).toBeUndefined();
    }
    const signIn = deployed.stack.signIn;
    if (!signIn) throw new Error('the default deployment has no sign-in');
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalId(signIn.client) }],
        // https://cognito-idp.<region>.amazonaws.com/<pool id>
        Issuer: {
          'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(signIn.userPool), 'ProviderName'] }]],
        },
      },
    });
  });

  it('checks another provider’s tokens with oidcIssuer and oidcClientId, and makes no user pool', () => {
    const { stack, template } = synth({
      oidcIssuer: 'https://login.example.com/',
      oidcClientId: 'faces-web',
    });
    expect(stack.signIn).toBeUndefined();
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: ['faces-web'], Issuer: 'https://login.example.com/' },
    });
    const [policy] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const csp = JSON.stringify(policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
    expect(csp).toContain('https://login.example.com');
    expect(csp).not.toContain('cognito');
  });

  it('opens every route with auth=none', () => {
    const { template } = synth({ auth: 'none' });
    const routes = routesByKey(template);
    for (const key of [...IMAGE_ROUTES, ...PUBLIC_ROUTES])
      expect(routes[key]?.AuthorizationType, key).toBe('NONE');
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });
});
