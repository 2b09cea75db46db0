import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/child.ts';

const run = promisify(execFile);

/** `npm run eval -- ARGS…` as a child: its exit code and stderr. */
async function evalCommand(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'eval.ts'), ...args],
      {
        cwd: ROOT,
      },
    );
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('npm run eval: names the manifest does not have', () => {
  it('refuses a fusion given as one embedder before embedding anything, naming its parts', async () => {
    const { code, stderr } = await evalCommand([
      '--embedders',
      'dlib-resnet+mobilefacenet',
      '--skip-detection',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('model dlib-resnet+mobilefacenet is not in the manifest');
    expect(stderr).toContain('--embedders dlib-resnet,mobilefacenet');
  });

  it('refuses an unknown detector, and a model of another role given as a detector', async () => {
    for (const name of ['nope', 'dlib-resnet']) {
      const { code, stderr } = await evalCommand(['--detectors', name, '--skip-verification']);
      expect(code, name).toBe(2);
      expect(stderr, name).toMatch(new RegExp(`^eval: .*${name}`, 'm'));
    }
  });
});
