/**
 * `npm run bench`: latency of each stage on a ~640 px and a ~1920 px photo, verify-pair latency,
 * throughput at 1 and 2 concurrent requests, cold start and peak RSS of a fresh process, and the
 * same verify job on the peer a Node user would pick (@vladmandic/face-api on tfjs-wasm), with the
 * targets checked. Prints markdown tables (progress goes to stderr).
 *
 *   --json               print the results as JSON instead of tables
 *   --write-docs         also write the tables to docs/benchmarks.md
 *   --no-http            skip the HTTP benchmark (scripts/bench-http.ts, when it exists)
 *   --no-peer            skip the peer
 *   --quick              fewer iterations: a smoke run, not figures to quote
 *   --iterations N       measured iterations per stage and per verify pair (default 30)
 *   --peer-iterations N  the peer's measured verifies of the ~1920 px pair (default 10)
 *   --cold-runs N        fresh processes per runtime for the cold start (default 3)
 *   --http-requests N    requests per client in the HTTP benchmark (default 1: at least 12 per run)
 *   --collections        only the collection store (scripts/bench/collections.ts): search latency at
 *                        10^3, 10^4, 10^5 faces, insert throughput, bytes per face (with --quick: 10^3, 10^4)
 *   --lambda-sizing      only Lambda's memory sizes emulated by CPU quotas (scripts/bench/lambda-sizing.ts):
 *                        cold start, warm p50 and cost per 1,000 requests (verify, embed, detect) with 1
 *                        and 2 workers
 *
 * Each loop also has a time cap, so a busy machine gives fewer samples rather than a 10-minute run;
 * the tables say how many samples each figure rests on.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceEngine } from '../functions/core/engine.ts';
import { startFaceService } from '../functions/shared/face-service.ts';
import { engineConfig, workerCount } from '../functions/shared/runtime-config.ts';
import { benchColdStart, type ColdStartResult, REPO_ROOT } from './bench/cold-start.ts';
import { benchCollections, DEFAULT_DIMENSION, renderCollections } from './bench/collections.ts';
import { type Budget, benchStages, benchThroughput, benchVerify } from './bench/engine-bench.ts';
import { benchEnrolment } from './bench/enrolment.ts';
import { type HttpHookResult, runHttpBench } from './bench/http-hook.ts';
import { benchLambdaSizing, renderSizing, SIZING_CALLS } from './bench/lambda-sizing.ts';
import { benchPeer, type PeerResult } from './bench/peer-bench.ts';
import { describe, LARGE_PHOTOS, loadPhotos } from './bench/photos.ts';
import { type BenchResults, computeTargets, renderMarkdown } from './bench/report.ts';
import { probeScheduler, round } from './bench/stats.ts';
import { dataDir } from './eval/datasets.ts';
import { markedSections, replaceSection } from './load/doc-section.ts';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    http: { type: 'boolean', default: true },
    'no-http': { type: 'boolean', default: false },
    peer: { type: 'boolean', default: true },
    'no-peer': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    'peer-iterations': { type: 'string' },
    'cold-runs': { type: 'string' },
    'http-requests': { type: 'string' },
    collections: { type: 'boolean', default: false },
    'lambda-sizing': { type: 'boolean', default: false },
  },
});

const quick = flags.quick;
const positive = (value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
  return n;
};
const WARMUP = quick ? 2 : 3;
const ITERATIONS = positive(flags.iterations, quick ? 8 : 30);
const PEER_ITERATIONS = positive(flags['peer-iterations'], quick ? 3 : 10);
const COLD_RUNS = positive(flags['cold-runs'], quick ? 1 : 3);
const RSS_VERIFIES = quick ? 6 : 20;
const THROUGHPUT_REQUESTS = quick ? 8 : 24;
const THROUGHPUT_MAX_MS = 15_000;
const HTTP_REQUESTS = positive(flags['http-requests'], 1);
const budget = (maxMs: number): Budget => ({
  warmup: WARMUP,
  iterations: ITERATIONS,
  maxMs,
  minIterations: Math.min(ITERATIONS, 10),
});

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]?.trim() ?? 'unknown CPU';
  } catch {}
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** The commit measured, marked when the engine's files had uncommitted changes. */
function revision(): string {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = run(['status', '--porcelain', '--', 'functions', 'layers/models/src']) !== '';
    return `${run(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes to functions/' : ''}`;
  } catch {
    return 'unknown';
  }
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  return `npx tsx scripts/bench.ts${args ? ` ${args}` : ''}`;
}

function runHeader(): string {
  return `Run ${new Date().toISOString()} by \`${commandLine()}\` at ${revision()}, Node ${process.version}, ${cpuModel()} × ${availableParallelism()}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}.`;
}

if (flags.collections) {
  const collections = await benchCollections({
    sizes: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000],
    dimension: DEFAULT_DIMENSION,
    searches: ITERATIONS,
    singleInserts: quick ? 50 : 300,
    progress,
  });
  const data = dataDir();
  if (data.dir) {
    progress('collections: enrolling real photos…');
    collections.enrolment = await benchEnrolment(data.dir, quick ? 40 : 200);
  } else progress(`collections: enrolment of real photos skipped: ${data.reason}`);
  if (flags.json) process.stdout.write(`${JSON.stringify(collections, null, 2)}\n`);
  else process.stdout.write(`${runHeader()}\n\n${renderCollections(collections)}\n`);
  process.exit(0);
}

if (flags['lambda-sizing']) {
  const sizing = await benchLambdaSizing({
    photos: LARGE_PHOTOS as [string, string],
    requests: ITERATIONS,
    rounds: quick ? 1 : 2,
    calls: SIZING_CALLS,
    workers: [1, 2],
    progress,
  });
  if ('skipped' in sizing) {
    process.stdout.write(`lambda sizing skipped: ${sizing.skipped}\n`);
    process.exit(0);
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(sizing, null, 2)}\n`);
  const section = `${runHeader()}\n\n${renderSizing(sizing)}`;
  if (!flags.json) process.stdout.write(`${section}\n`);
  if (flags['write-docs']) {
    const page = join(REPO_ROOT, 'docs', 'benchmarks.md');
    await writeFile(page, replaceSection(await readFile(page, 'utf8'), 'lambda-sizing', section));
  }
  process.exit(0);
}

const startedAt = performance.now();
const loadStart = loadavg();
const probeStart = probeScheduler();
const photos = await loadPhotos();
progress(`photos: ${[...photos.large, ...photos.small].map(describe).join(', ')}`);

// Cold start first: fresh processes, with nothing of this one's loaded yet.
const coldStart: ColdStartResult[] = [];
for (const variant of ['tsx', 'bundle'] as const) {
  progress(`cold start (${variant}): ${COLD_RUNS} fresh process(es)…`);
  coldStart.push(await benchColdStart(variant, LARGE_PHOTOS, COLD_RUNS, RSS_VERIFIES, 2));
}

progress('loading the engine…');
// The stages are the in-process engine's (they call into its models); verify and throughput run on
// the engine the entry points run (FACEVERIFY_WORKERS workers, default one per core).
const engine = await FaceEngine.load(engineConfig());
const workers = workerCount();
const service = workers === 1 ? engine : await startFaceService(engineConfig(), workers);
const stages = [];
for (const photo of [photos.small[0], photos.large[0]]) {
  progress(`stages on ${photo.name}: ${WARMUP} warm-up + ${ITERATIONS} rounds…`);
  stages.push(await benchStages(engine, photo, budget(25_000)));
}
progress(`verify on ${workers} worker(s): ${WARMUP} warm-up + ${ITERATIONS} per pair…`);
const verify = await benchVerify(service, [photos.large, photos.small], budget(30_000));
const throughput = [];
for (const concurrency of [1, 2, 4]) {
  progress(`throughput at concurrency ${concurrency}: ${THROUGHPUT_REQUESTS} verifies…`);
  throughput.push(
    await benchThroughput(service, photos.large, concurrency, THROUGHPUT_REQUESTS, THROUGHPUT_MAX_MS),
  );
}
const parentRssMb = round((process.resourceUsage().maxRSS * 1024) / 1e6);

let peer: PeerResult | undefined;
if (flags.peer && !flags['no-peer']) {
  progress(`peer (face-api on tfjs-wasm): ${PEER_ITERATIONS} verifies of each pair, in a child…`);
  peer = await benchPeer(PEER_ITERATIONS, Math.max(2, Math.ceil(PEER_ITERATIONS / 2)), 30_000);
}

let http: HttpHookResult = { status: 'skipped' };
if (flags.http && !flags['no-http']) {
  progress('HTTP benchmark…');
  http = await runHttpBench(HTTP_REQUESTS);
}

const partial: Omit<BenchResults, 'targets'> = {
  meta: {
    date: new Date().toISOString(),
    command: commandLine(),
    revision: revision(),
    node: process.version,
    cpu: cpuModel(),
    nproc: availableParallelism(),
    workers,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: { start: loadStart, end: loadavg() },
    probe: { start: probeStart, end: probeScheduler() },
    models: engine.models,
    photos: [...photos.large, ...photos.small].map(describe),
    iterations: { warmup: WARMUP, iterations: ITERATIONS, peer: PEER_ITERATIONS, coldRuns: COLD_RUNS },
  },
  stages,
  verify,
  throughput,
  coldStart,
  parentRssMb,
  peer,
  http,
};
const results: BenchResults = { ...partial, targets: computeTargets(partial) };
const markdown = renderMarkdown(results);
progress(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);

if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else process.stdout.write(`${markdown}\n`);

if (flags['write-docs']) {
  const doc = [
    '# Benchmarks',
    '',
    `Written by \`${results.meta.command}\` (scripts/bench.ts); rerun it to refresh this page. The run measures each stage, verify, throughput, cold start and peak RSS of faceverify, and the same job on @vladmandic/face-api with tfjs-wasm, on face-api’s demo photos (so it runs on any clone). See the Noise section before quoting a figure: the machine may have been busy.`,
    '',
    '`npm run bench -- --json` prints the same results as JSON; `--quick` is a smoke run; `--no-peer` and `--no-http` skip those parts. `npx tsx scripts/bench/experiments.ts` measures what-ifs for verify and cold start (decode size, one batched embedder run, onnxruntime threads and spinning, graph optimisation when opening the models).',
    '',
    markdown,
    '',
  ].join('\n');
  const path = join(REPO_ROOT, 'docs', 'benchmarks.md');
  // Sections written by other scripts (npm run load) stay.
  const kept = markedSections(await readFile(path, 'utf8').catch(() => ''));
  await writeFile(path, kept.length ? `${doc}\n${kept.join('\n\n')}\n` : doc);
  progress('wrote docs/benchmarks.md');
}
