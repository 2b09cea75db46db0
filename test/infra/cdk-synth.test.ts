/** `cdk synth` through the real CLI and cdk.json, offline, as CI and a deploying developer run it. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, scratchDir } from './helpers.ts';

describe('npx cdk synth', () => {
  it('synthesizes the stack with no AWS account, region, lookup or Docker engine', async () => {
    const outdir = scratchDir('faceverify-cdk-cli-');
    const cdk = join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
    await promisify(execFile)(cdk, ['synth', '--no-notices', '--quiet', '--output', outdir], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_PROFILE: '',
        AWS_REGION: '',
        AWS_DEFAULT_REGION: '',
      },
      timeout: 180_000,
    });
    const stackName = 'FaceVerify-dev';
    expect(existsSync(join(outdir, `${stackName}.template.json`))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts[stackName].environment).toBe('aws://unknown-account/unknown-region');
    expect(manifest.missing).toBeUndefined();
  });
});
