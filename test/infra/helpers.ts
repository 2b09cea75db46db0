/** Synthesizes the real app the way `cdk synth` does: cdk.json's context, then overrides. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll } from 'vitest';
import { createApp, PLACEHOLDERS } from '../../infra/app.ts';
import type { FaceVerifyStack } from '../../infra/stack.ts';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

const scratch: string[] = [];
/** A fresh folder under the OS temp dir, removed after the test file that asked for it. */
export function scratchDir(prefix = 'faceverify-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
// Registered on the importing test file: a cloud assembly holds tens of MB of asset copies.
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

export interface Synthesized {
  readonly stack: FaceVerifyStack;
  readonly template: Template;
  /** The cloud assembly folder, as `cdk synth` would write it. */
  readonly outdir: string;
}

/** Placeholders for the image and page, so the result does not depend on what is built locally. */
export function synth(context: Record<string, unknown> = {}): Synthesized {
  const outdir = scratchDir('faceverify-cdk-');
  const { app, stack } = createApp({
    context: { ...cdkJsonContext(), ...context },
    outdir,
    imageDirectory: PLACEHOLDERS.image,
    siteDirectory: PLACEHOLDERS.site,
  });
  app.synth();
  return { stack, template: Template.fromStack(stack), outdir };
}

/** The CloudFormation logical id of an L2 construct's resource. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}
