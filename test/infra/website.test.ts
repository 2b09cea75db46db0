import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SITE_CONFIG_FILE } from '../../infra/website.ts';
import { logicalId, synth } from './helpers.ts';

describe('Website', () => {
  const { stack, template } = synth();
  const bucketId = logicalId(stack.website.bucket);
  const distributionId = logicalId(stack.website.distribution);
  const distribution = () =>
    template.findResources('AWS::CloudFront::Distribution')[distributionId]?.Properties;

  it('reads a private bucket through Origin Access Control', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    expect(distribution()?.DistributionConfig.Origins).toEqual([
      expect.objectContaining({
        OriginAccessControlId: { 'Fn::GetAtt': [expect.stringMatching('OriginAccessControl'), 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('serves HTTPS only, index.html at the root', () => {
    expect(distribution()?.DistributionConfig).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'https-only',
        ResponseHeadersPolicyId: { Ref: expect.stringMatching('SecurityHeaders') },
      },
    });
  });

  it('sends the security headers', () => {
    const [policy] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const headers = policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
    });
    const csp = JSON.stringify(headers.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      'https://*.execute-api.',
    ]) {
      expect(csp).toContain(directive);
    }
  });

  it('deploys the page, then writes config.json with the API URL at deploy time', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (d) => d.Properties,
    );
    expect(deployments).toHaveLength(2);
    const files = deployments.find((d) => d.Exclude);
    const config = deployments.find((d) => d.SourceMarkers);
    expect(files).toMatchObject({ Exclude: [SITE_CONFIG_FILE], DistributionPaths: ['/*'] });
    expect(files?.Prune).toBe(true);
    expect(config).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionPaths: [`/${SITE_CONFIG_FILE}`],
      DestinationBucketName: { Ref: bucketId },
    });
    const markers = JSON.stringify(config?.SourceMarkers);
    expect(markers).toContain(`{"Ref":"${logicalId(stack.api.httpApi)}"}`);
    expect(markers).toContain('{"Ref":"AWS::Region"}');
  });

  it('puts the sign-in settings in config.json by default (auth=jwt)', () => {
    const config = Object.values(template.findResources('Custom::CDKBucketDeployment'))
      .map((d) => d.Properties)
      .find((d) => d.SourceMarkers);
    const markers = JSON.stringify(config?.SourceMarkers);
    const signIn = stack.signIn;
    if (!signIn) throw new Error('the default deployment has no sign-in');
    expect(markers).toContain(`{"Ref":"${logicalId(stack.api.httpApi)}"}`);
    // The issuer: https://cognito-idp.<region>.amazonaws.com/<pool id>, the pool's provider name.
    expect(markers).toContain(`{"Fn::GetAtt":["${logicalId(signIn.userPool)}","ProviderName"]}`);
    expect(markers).toContain(`{"Ref":"${logicalId(signIn.client)}"}`);
    // Cognito's /logout takes client_id and logout_uri, the page's URL.
    const logout = JSON.stringify(stack.resolve(signIn.pageConfig().logoutUrl));
    expect(logout).toContain('.amazoncognito.com/logout?client_id=');
    expect(logout).toContain(`{"Ref":"${logicalId(signIn.client)}"},"&logout_uri=https://"`);
    expect(logout).toContain(`{"Fn::GetAtt":["${logicalId(stack.website.distribution)}","DomainName"]},"/"`);
  });

  it('lets the page fetch from the sign-in origins, exactly, and only with auth=jwt', () => {
    const csp = (t: typeof template) =>
      JSON.stringify(
        Object.values(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]?.Properties
          .ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
      );
    expect(csp(template)).toContain('https://cognito-idp.');
    expect(csp(template)).toMatch(
      /https:\/\/faceverify-dev-",\{"Ref":"AWS::AccountId"\},".auth.",\{"Ref":"AWS::Region"\},".amazoncognito.com/,
    );
    const iam = synth({ auth: 'iam' }).template;
    expect(csp(iam)).not.toContain('cognito');
  });
});
