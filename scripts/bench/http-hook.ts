/**
 * The HTTP part of the bench: scripts/bench-http.ts (p50/p95 of POST /detect and /verify through the
 * local server at 1, 4 and 16 clients), run in a child process by scripts/bench/http-child.ts.
 */
import { join } from 'node:path';
import type { HttpBenchRow } from '../bench-http.ts';
import { findEvent, runChild } from './child.ts';
import { REPO_ROOT } from './cold-start.ts';
import { type Load, LoadMeter, round } from './stats.ts';

export const HTTP_CLIENTS = [1, 4, 16];

export type HttpHookResult =
  | { status: 'skipped' }
  | { status: 'failed'; error: string }
  | { status: 'ok'; rows: HttpBenchRow[]; maxRssMb: number; load: Load };

export async function runHttpBench(requestsPerClient: number): Promise<HttpHookResult> {
  const meter = new LoadMeter();
  try {
    const run = await runChild({
      args: [
        '--import',
        'tsx',
        join(REPO_ROOT, 'scripts', 'bench', 'http-child.ts'),
        '--clients',
        HTTP_CLIENTS.join(','),
        '--requests',
        String(requestsPerClient),
      ],
      cwd: REPO_ROOT,
      timeoutMs: 300_000,
      onStderrLine: (line) => {
        if (line.startsWith('[bench-http]')) process.stderr.write(`${line}\n`);
      },
    });
    const done = findEvent(run, 'done');
    return {
      status: 'ok',
      rows: done.rows as HttpBenchRow[],
      maxRssMb: round(done.maxRssMb as number),
      load: meter.stop(done.cpuMs as number),
    };
  } catch (error) {
    return {
      status: 'failed',
      error: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    };
  }
}
