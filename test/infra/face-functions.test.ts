import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { engineConfig, workerCount } from '../../functions/shared/runtime-config.ts';
import { CONTEXT_KEYS, DEFAULT_CONFIG } from '../../infra/config.ts';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../../infra/functions.ts';
import { logicalId, type Synthesized, synth } from './helpers.ts';

describe('FaceFunctions', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth();
  });

  const functionProps = (name: FunctionName) => {
    const { stack, template } = synthesized;
    const resources = template.findResources('AWS::Lambda::Function');
    const fn = resources[logicalId(stack.functions.functions[name])];
    if (!fn) throw new Error(`no function ${name}`);
    return fn.Properties;
  };

  it.each(FUNCTION_NAMES)('runs %s from the shared image with its own CMD, memory and timeout', (name) => {
    const props = functionProps(name);
    expect(props.PackageType).toBe('Image');
    expect(props.ImageConfig).toEqual({ Command: [`${name}.handler`] });
    expect(props.MemorySize).toBe(FUNCTIONS[name].memoryMiB);
    expect(props.Timeout).toBe(FUNCTIONS[name].timeoutSeconds);
    expect(props.Architectures).toEqual(['x86_64']);
  });

  it('runs one engine worker in the one-photo functions and one per vCPU in the others', () => {
    const workers = (name: FunctionName) => functionProps(name).Environment.Variables[ENVIRONMENT.workers];
    expect(workers('detect')).toBe('1');
    expect(workers('collections')).toBe('1');
    expect(workers('verify')).toBeUndefined();
    expect(workers('drop')).toBeUndefined();
    // What the handler reads: the environment's value, else the cores the process sees.
    expect(workerCount({ [ENVIRONMENT.workers]: workers('detect') })).toBe(1);
  });

  it('uses one image for every handler', () => {
    const uris = new Set(FUNCTION_NAMES.map((name) => JSON.stringify(functionProps(name).Code)));
    expect(uris.size).toBe(1);
    const manifest = JSON.parse(
      readFileSync(join(synthesized.outdir, `${synthesized.stack.stackName}.assets.json`), 'utf8'),
    );
    const images = Object.values(manifest.dockerImages) as {
      source: { directory: string; platform: string };
    }[];
    expect(images).toHaveLength(1);
    expect(images[0]?.source.platform).toBe('linux/amd64');
  });

  it('only copies the build context at synth: Docker builds it at deploy time', () => {
    const manifest = JSON.parse(
      readFileSync(join(synthesized.outdir, `${synthesized.stack.stackName}.assets.json`), 'utf8'),
    );
    const [image] = Object.values(manifest.dockerImages) as { source: { directory: string } }[];
    expect(existsSync(join(synthesized.outdir, image?.source.directory ?? '', 'Dockerfile'))).toBe(true);
  });

  it('tells every function which detector to load, by the name the engine reads', () => {
    expect(engineConfig({ [ENVIRONMENT.detector]: 'mtcnn' }).detector).toBe('mtcnn');
    const mediapipe = synth({ [CONTEXT_KEYS.detector]: 'facemesh-detection-full' });
    for (const [{ stack, template }, detector] of [
      [synthesized, DEFAULT_CONFIG.detector],
      [mediapipe, 'facemesh-detection-full'],
    ] as const) {
      const functions = template.findResources('AWS::Lambda::Function');
      for (const name of FUNCTION_NAMES) {
        expect(functions[logicalId(stack.functions.functions[name])]?.Properties.Environment).toMatchObject({
          Variables: { [ENVIRONMENT.detector]: detector },
        });
      }
    }
  });

  it('tells each handler where its buckets are', () => {
    expect(functionProps('drop').Environment).toMatchObject({
      Variables: { [ENVIRONMENT.dropBucket]: { Ref: logicalId(synthesized.stack.dropFolder.bucket) } },
    });
    for (const name of ['uploads', 'detect', 'verify'] as const) {
      expect(functionProps(name).Environment).toMatchObject({
        Variables: { [ENVIRONMENT.uploadBucket]: { Ref: logicalId(synthesized.stack.uploads.bucket) } },
      });
    }
  });

  it('gives each function its own log group with a retention, and a role with no managed policy', () => {
    const { stack, template } = synthesized;
    const roles = template.findResources('AWS::IAM::Role');
    for (const name of FUNCTION_NAMES) {
      const fn = stack.functions.functions[name];
      expect(functionProps(name).LoggingConfig).toEqual({
        LogGroup: { Ref: expect.stringMatching(`${name}Logs`) },
      });
      if (!fn.role) throw new Error(`${name} has no role`);
      expect(roles[logicalId(fn.role)]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays, 'every log group in the stack expires').toBeGreaterThan(0);
    }
  });
});
