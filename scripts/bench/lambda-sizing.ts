/**
 * Lambda's memory setting buys CPU (one vCPU per 1,769 MB): each size is emulated by a CPU quota
 * (scripts/bench/cpu-quota.ts) on a fresh process of the bundled engine, the way Lambda runs it, which
 * answers one request cold and then `requests` more warm, with 1 and with 2 engine workers: verify's
 * (two photos), and the one-photo functions' (detect's tiled detection, collections' embedding); the whole
 * sweep `rounds` times, so the machine's slow minutes spread over every size. Each figure is the
 * median over the rounds. Cost per 1,000 requests is the warm p50 billed at Lambda's price per GB-second.
 */
import { availableParallelism } from 'node:os';
import { findEvent, runChild } from './child.ts';
import { bundleColdEntry, MODELS_DIR, REPO_ROOT } from './cold-start.ts';
import { createCpuQuota } from './cpu-quota.ts';
import { table } from './report.ts';
import { median, round, summarise } from './stats.ts';

/** Lambda's allotment and x86 price (docs/benchmarks.md, "Lambda sizing"). */
export const LAMBDA = { mbPerVcpu: 1769, usdPerGbSecond: 0.0000166667 } as const;
/** Up to two full vCPUs: one invocation verifies one pair, two photos, so more cores have no work. */
export const SIZES_MB = [1024, 1769, 2048, 3008, 3538] as const;

/** The requests of scripts/bench/cold.ts's `--call`: what each Lambda function runs. */
export const SIZING_CALLS = ['verify', 'embed', 'detect'] as const;
export type SizingCall = (typeof SIZING_CALLS)[number];

export interface SizingRow {
  call: SizingCall;
  memoryMb: number;
  vcpus: number;
  workers: number;
  rounds: number;
  /** Parent's clock: spawn of the fresh process to its first answer. */
  coldStartMs: number;
  p50Ms: number;
  p95Ms: number;
  /** The process's CPU time per warm request (all threads). */
  cpuMsPerRequest: number;
  usdPer1000: number;
}

export function costPer1000(p50Ms: number, memoryMb: number): number {
  return (p50Ms / 1000) * (memoryMb / 1024) * LAMBDA.usdPerGbSecond * 1000;
}

type Run = Omit<SizingRow, 'rounds' | 'usdPer1000'>;

/** One fresh bundled engine under `procsFile`'s quota: its cold start, then `requests` warm requests. */
async function sizingRun(
  entry: string,
  procsFile: string,
  photos: readonly [string, string],
  requests: number,
  call: SizingCall,
  workers: number,
): Promise<Omit<Run, 'call' | 'memoryMb' | 'vcpus'>> {
  const run = await runChild({
    args: [entry, '--verifies', String(requests), '--call', call, ...photos],
    env: { FACEVERIFY_MODELS_DIR: MODELS_DIR, FACEVERIFY_WORKERS: String(workers) },
    cwd: REPO_ROOT,
    timeoutMs: 300_000,
    cgroupProcs: procsFile,
  });
  const answer = findEvent(run, 'answer');
  const done = findEvent(run, 'done');
  const latencies = done.latencies as number[];
  const warm = summarise(latencies);
  return {
    workers,
    coldStartMs: answer.parentMs,
    p50Ms: warm.p50,
    p95Ms: warm.p95,
    cpuMsPerRequest: ((done.cpuMs as number) - (answer.cpuMs as number)) / latencies.length,
  };
}

export async function benchLambdaSizing(options: {
  photos: readonly [string, string];
  requests: number;
  rounds: number;
  calls: readonly SizingCall[];
  workers: readonly number[];
  progress: (message: string) => void;
}): Promise<SizingRow[] | { skipped: string }> {
  const entry = await bundleColdEntry();
  const runs = new Map<string, Run[]>();
  for (let pass = 1; pass <= options.rounds; pass++) {
    for (const memoryMb of SIZES_MB) {
      const vcpus = Math.min(memoryMb / LAMBDA.mbPerVcpu, availableParallelism());
      const quota = await createCpuQuota(`faceverify-bench-${process.pid}-${memoryMb}`, vcpus);
      if ('reason' in quota) return { skipped: quota.reason };
      try {
        for (const call of options.calls) {
          for (const workers of options.workers) {
            const run = await sizingRun(
              entry,
              quota.procsFile,
              options.photos,
              options.requests,
              call,
              workers,
            );
            const key = `${call}/${memoryMb}/${workers}`;
            runs.set(key, [...(runs.get(key) ?? []), { call, memoryMb, vcpus, ...run }]);
            options.progress(
              `lambda sizing, round ${pass}: ${call}, ${memoryMb} MB, ${workers} worker(s): warm p50 ${round(run.p50Ms)} ms`,
            );
          }
        }
      } finally {
        await quota.remove();
      }
    }
  }
  return [...runs.values()].map((same) => {
    const first = same[0] as Run;
    const med = (key: 'coldStartMs' | 'p50Ms' | 'p95Ms' | 'cpuMsPerRequest') =>
      round(median(same.map((r) => r[key])));
    const p50Ms = med('p50Ms');
    return {
      call: first.call,
      memoryMb: first.memoryMb,
      vcpus: round(first.vcpus, 2),
      workers: first.workers,
      rounds: same.length,
      coldStartMs: med('coldStartMs'),
      p50Ms,
      p95Ms: med('p95Ms'),
      cpuMsPerRequest: med('cpuMsPerRequest'),
      usdPer1000: costPer1000(p50Ms, first.memoryMb),
    };
  });
}

export function renderSizing(rows: readonly SizingRow[]): string {
  return table(
    [
      'request',
      '>memory (MB)',
      '>vCPUs',
      '>workers',
      '>cold start → first answer (ms)',
      '>warm p50 (ms)',
      '>p95 (ms)',
      '>CPU per request (ms)',
      '>$ per 1,000 requests',
    ],
    rows.map((r) => [
      r.call,
      r.memoryMb,
      r.vcpus,
      r.workers,
      r.coldStartMs,
      r.p50Ms,
      r.p95Ms,
      r.cpuMsPerRequest,
      r.usdPer1000.toFixed(4),
    ]),
  );
}
