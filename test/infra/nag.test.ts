import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { createApp, PLACEHOLDERS } from '../../infra/app.ts';
import { AUTH_MODES } from '../../infra/config.ts';
import { cdkJsonContext, scratchDir, synth } from './helpers.ts';

interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations?: { ruleName: string }[] }[];
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each(AUTH_MODES)('pass with auth=%s, every finding fixed or acknowledged with its reason', (auth) => {
    const { stack, outdir } = synth({ auth }); // synth throws on any unacknowledged finding
    const report: Report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const nag = report.pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.violations ?? []).toEqual([]);

    const acknowledgments = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledgments) {
      expect(rule).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(reason.length, `${rule} needs a reason`).toBeGreaterThan(30);
    }
  });

  it('fail synth on a finding nobody acknowledged', () => {
    const { app, stack } = createApp({
      context: cdkJsonContext(),
      outdir: scratchDir('faceverify-cdk-'),
      imageDirectory: PLACEHOLDERS.image,
      siteDirectory: PLACEHOLDERS.site,
    });
    new s3.Bucket(stack, 'Unchecked');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
