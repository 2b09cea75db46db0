/**
 * Cold start, measured from outside: spawn a fresh node process that imports the engine, loads the
 * models and answers one verify (scripts/bench/cold.ts), the way `npm start` and the CLI run it
 * (TypeScript through tsx) and the way Lambda runs it (one esbuild bundle, plain node).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE, TARGET } from '../../infra/functions.ts';
import { type ChildRun, findEvent, runChild } from './child.ts';
import { type Load, LoadMeter, median, round } from './stats.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COLD_ENTRY = join(REPO_ROOT, 'scripts', 'bench', 'cold.ts');
const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'faceverify-bench');
export const MODELS_DIR = join(REPO_ROOT, 'layers', 'models', 'build');

export type ColdVariant = 'tsx' | 'bundle';

export const VARIANT_LABELS: Record<ColdVariant, string> = {
  tsx: 'node --import tsx (npm start, CLI)',
  bundle: 'node, esbuild bundle (Lambda)',
};

/** One cold process: milestones on the child's clock (ms since its process started). */
export interface ColdRun {
  script: number;
  imported: number;
  ready: number;
  answer: number;
  /** Parent's wall clock from spawn to reading the answer. */
  parentAnswer: number;
  firstVerifyMs: number;
}

export interface ColdStartResult {
  variant: ColdVariant;
  label: string;
  runs: ColdRun[];
  /** Median over runs of each milestone. */
  median: ColdRun;
  /** The first run's peak RSS after its extra verifies. */
  rss: { maxRssMb: number; verifies: number; concurrency: number; p50Ms: number } | undefined;
  load: Load;
}

/** Bundles cold.ts, and the engine worker next to it, the way infra/build-lambda.ts bundles a handler. */
export async function bundleColdEntry(): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: { cold: COLD_ENTRY, [BUNDLE.engineWorker.name]: BUNDLE.engineWorker.entry },
    outdir: CACHE_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET.node,
    external: ['onnxruntime-node', 'sharp'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    minify: true,
    logLevel: 'warning',
  });
  return join(CACHE_DIR, 'cold.mjs');
}

function parseRun(run: ChildRun): ColdRun {
  const at = (event: string) => round(findEvent(run, event).childMs as number);
  const answer = findEvent(run, 'answer');
  return {
    script: at('script'),
    imported: at('imported'),
    ready: at('ready'),
    answer: at('answer'),
    parentAnswer: round(answer.parentMs),
    firstVerifyMs: (answer.timings as { total: number }).total,
  };
}

export async function benchColdStart(
  variant: ColdVariant,
  photos: readonly string[],
  runs: number,
  rssVerifies: number,
  rssConcurrency: number,
): Promise<ColdStartResult> {
  const entry = variant === 'bundle' ? await bundleColdEntry() : COLD_ENTRY;
  const nodeArgs = variant === 'tsx' ? ['--import', 'tsx', entry] : [entry];
  const results: ColdRun[] = [];
  let rss: ColdStartResult['rss'];
  let childCpu = 0;
  const meter = new LoadMeter();
  for (let i = 0; i < runs; i++) {
    const verifies = i === 0 ? rssVerifies : 0;
    const run = await runChild({
      args: [...nodeArgs, '--verifies', String(verifies), '--concurrency', String(rssConcurrency), ...photos],
      env: { FACEVERIFY_MODELS_DIR: MODELS_DIR },
      cwd: REPO_ROOT,
      timeoutMs: 120_000,
    });
    results.push(parseRun(run));
    const done = findEvent(run, 'done');
    childCpu += done.cpuMs as number;
    if (i === 0) {
      rss = {
        maxRssMb: round(done.maxRssMb as number),
        verifies,
        concurrency: rssConcurrency,
        p50Ms: round(median(done.latencies as number[])),
      };
    }
  }
  const med = (key: keyof ColdRun) => round(median(results.map((r) => r[key])));
  return {
    variant,
    label: VARIANT_LABELS[variant],
    runs: results,
    median: {
      script: med('script'),
      imported: med('imported'),
      ready: med('ready'),
      answer: med('answer'),
      parentAnswer: med('parentAnswer'),
      firstVerifyMs: med('firstVerifyMs'),
    },
    rss,
    load: meter.stop(childCpu),
  };
}
