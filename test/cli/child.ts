/** The real `faceverify` command (bin/faceverify.js) as a child process, its output collected. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'faceverify.js');

export interface Run<Line> {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed. */
  json: () => Line[];
}

/** Runs `faceverify ARGS…` from the checkout, with `env` over this process's environment. */
export function faceverify<Line = unknown>(
  args: string[],
  env: Record<string, string> = {},
): Promise<Run<Line>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const json = () =>
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Line);
      done({ code, stdout, stderr, json });
    });
  });
}
