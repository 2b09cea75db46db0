import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT, createApp } from '../../infra/app.ts';
import { cdkJsonContext, logicalId, scratchDir, synth } from './helpers.ts';

describe('the CDK app', () => {
  it('names the stack after the stage and outputs the API URL, site URL and drop bucket', () => {
    const { stack, template } = synth({ stage: 'demo', auth: 'iam' });
    expect(stack.stackName).toBe('FaceVerify-demo');
    expect(template.toJSON().Outputs).toEqual({
      ApiUrl: {
        Value: {
          'Fn::Join': [
            '',
            [
              'https://',
              { Ref: logicalId(stack.api.httpApi) },
              '.execute-api.',
              { Ref: 'AWS::Region' },
              '.',
              { Ref: 'AWS::URLSuffix' },
              '/',
            ],
          ],
        },
      },
      SiteUrl: {
        Value: {
          'Fn::Join': [
            '',
            ['https://', { 'Fn::GetAtt': [logicalId(stack.website.distribution), 'DomainName'] }, '/'],
          ],
        },
      },
      DropBucketName: { Value: { Ref: logicalId(stack.dropFolder.bucket) } },
    });
  });

  it('adds the Cognito ids and the sign-in domain to the outputs by default (auth=jwt)', () => {
    const outputs = synth().template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual([
      'ApiUrl',
      'SiteUrl',
      'DropBucketName',
      'UserPoolId',
      'UserPoolClientId',
      'SignInDomain',
    ]);
  });

  it('synthesizes without an account, a region or any lookup', () => {
    const { stack, outdir } = synth();
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    const { app } = createApp({
      context: cdkJsonContext(),
      outdir: scratchDir('faceverify-cdk-'),
    });
    expect(app.synth().manifest.missing).toBeUndefined();
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
  });

  it('warns, and uses a placeholder, for each of the image and the page that is not built', () => {
    const { app, stack } = createApp({
      context: cdkJsonContext(),
      outdir: scratchDir('faceverify-cdk-'),
    });
    app.synth();
    const warnings = stack.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:warning')
      .map((entry) => entry.data);
    const imageBuilt = existsSync(join(BUILT.image.directory, BUILT.image.marker));
    const siteBuilt = existsSync(join(BUILT.site.directory, BUILT.site.marker));
    expect(warnings.some((w) => String(w).includes('dist/lambda is not built'))).toBe(!imageBuilt);
    expect(warnings.some((w) => String(w).includes('web/dist is not built'))).toBe(!siteBuilt);
  });
});
