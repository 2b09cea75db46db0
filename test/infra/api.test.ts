import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../infra/api.ts';
import { logicalId, synth } from './helpers.ts';

const PUBLIC_ROUTES = ['GET /health', 'GET /openapi.json'];
const IMAGE_ROUTES = ['POST /detect', 'POST /verify', 'POST /uploads'];

function routesByKey(template: ReturnType<typeof synth>['template']) {
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
  return Object.fromEntries(routes.map((route) => [route.Properties.RouteKey, route.Properties]));
}

describe('Api', () => {
  const iam = synth();

  it('serves exactly the five routes, each onto its handler', () => {
    const routes = routesByKey(iam.template);
    expect(Object.keys(routes).sort()).toEqual([...PUBLIC_ROUTES, ...IMAGE_ROUTES].sort());
    const integrations = iam.template.findResources('AWS::ApiGatewayV2::Integration');
    for (const { method, path, handler } of ROUTES) {
      const target = routes[`${method} ${path}`]?.Target as { 'Fn::Join': [string, unknown[]] };
      const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
      const integration = integrations[integrationId]?.Properties;
      expect(integration?.PayloadFormatVersion).toBe('2.0');
      expect(integration?.IntegrationUri).toEqual({
        'Fn::GetAtt': [logicalId(iam.stack.functions.functions[handler]), 'Arn'],
      });
    }
  });

  it('lets only the site origin call it from a browser', () => {
    iam.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: [
          {
            'Fn::Join': [
              '',
              ['https://', { 'Fn::GetAtt': [logicalId(iam.stack.website.distribution), 'DomainName'] }],
            ],
          },
        ],
        AllowMethods: ['GET', 'POST', 'OPTIONS'],
        AllowHeaders: [
          'content-type',
          'authorization',
          'x-amz-date',
          'x-amz-security-token',
          'x-amz-content-sha256',
        ],
      },
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
    iam.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
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

  it('signs the image routes with IAM by default and leaves health and the OpenAPI document public', () => {
    const routes = routesByKey(iam.template);
    for (const key of IMAGE_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('AWS_IAM');
    for (const key of PUBLIC_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('NONE');
    iam.template.resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('checks Cognito user-pool tokens with auth=jwt', () => {
    const jwt = synth({ auth: 'jwt' });
    const routes = routesByKey(jwt.template);
    for (const key of IMAGE_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('JWT');
    for (const key of PUBLIC_ROUTES) expect(routes[key]?.AuthorizationType, key).toBe('NONE');
    jwt.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    jwt.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    jwt.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowHeaders: ['content-type', 'authorization'] }),
    });
  });

  it('opens every route with auth=none', () => {
    const { template } = synth({ auth: 'none' });
    const routes = routesByKey(template);
    for (const key of [...IMAGE_ROUTES, ...PUBLIC_ROUTES])
      expect(routes[key]?.AuthorizationType, key).toBe('NONE');
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });
});
