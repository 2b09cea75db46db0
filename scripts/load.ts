/**
 * `npm run load`: autocannon against the local server as `npm start` runs it (its own process, so its
 * RSS is the server's alone), POST /verify (two ~640 px photos, base64 JSON) and POST /detect (one
 * 1920 px photo, raw body) at each concurrency level; prints requests/s, p50/p99 latency, status counts
 * and the server's peak RSS per level.
 *
 *   npm run load -- [--duration 30] [--levels 1,2,4,8,16,32] [--routes verify,detect]
 *                   [--soak SECONDS] [--soak-concurrency 4] [--write-docs]
 *
 * --soak runs /verify at one concurrency for SECONDS after the curve (--levels none skips the curve)
 * and reports the RSS after warm-up (the first 10 %, at least 30 s) against the end and the maximum.
 * --write-docs writes each table into its own marked section of docs/benchmarks.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import sharp from 'sharp';
import { table } from './bench/report.ts';
import { replaceSection } from './load/doc-section.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEMO = join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    levels: { type: 'string', default: '1,2,4,8,16,32' },
    routes: { type: 'string', default: 'verify,detect' },
    soak: { type: 'string', default: '0' },
    'soak-concurrency': { type: 'string', default: '4' },
    'write-docs': { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
}
const duration = positive('duration', flags.duration);
const levels = flags.levels === 'none' ? [] : flags.levels.split(',').map((l) => positive('levels', l));
const soakSeconds = positive('soak', flags.soak, 0);
const soakConcurrency = positive('soak-concurrency', flags['soak-concurrency']);
const routes = flags.routes.split(',');
for (const route of routes) {
  if (route !== 'verify' && route !== 'detect')
    throw new Error(`--routes takes verify and detect, not ${route}`);
}

interface Workload {
  route: 'verify' | 'detect';
  headers: Record<string, string>;
  body: Buffer;
  describe: string;
}

async function workloads(): Promise<Workload[]> {
  const small = (n: number) =>
    sharp(join(DEMO, `sample${n}.jpg`))
      .resize({ width: 640 })
      .jpeg({ quality: 90 })
      .toBuffer();
  const [a, b] = await Promise.all([small(2), small(3)]);
  const group = await readFile(join(DEMO, 'sample1.jpg'));
  const all: Workload[] = [
    {
      route: 'verify',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ source: a.toString('base64'), target: b.toString('base64') })),
      describe: 'sample2 and sample3 at 640 px wide, base64 JSON',
    },
    {
      route: 'detect',
      headers: { 'content-type': 'image/jpeg' },
      body: group,
      describe: 'sample1.jpg, 1920×1280, raw body',
    },
  ];
  return all.filter((w) => routes.includes(w.route));
}

/** The server as `npm start` runs it (tsx, functions/local/main.ts), on free ports. */
async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'functions/local/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', S3_PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    lines.on('line', (line) => {
      const found = /API and web page: (http:\/\/\S+\/)/.exec(line);
      if (found?.[1]) resolve(found[1]);
      else if (/503 Busy/.test(line)) process.stderr.write(`[load] server: ${line}\n`);
    });
  });
  return { child, url };
}

/** The server's resident set size, sampled every 200 ms; `take()` returns the peak since the last take. */
class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  readonly series: { at: number; mb: number }[] = [];

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 200);
  }

  current(): number {
    return this.sample();
  }

  private sample(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const mb = kb / 1024;
    this.peak = Math.max(this.peak, mb);
    this.series.push({ at: performance.now(), mb });
    if (this.series.length > 20_000) this.series.splice(0, 10_000);
    return mb;
  }

  take(): number {
    const peak = this.peak;
    this.peak = this.sample();
    return peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Row {
  route: string;
  concurrency: number;
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  clientErrors: number;
  busy: number;
  /** Any other status, connection error or timeout: must be 0. */
  other: number;
  peakMb: number;
}

function row(route: string, concurrency: number, result: Result, peakMb: number): Row {
  let ok = 0;
  let clientErrors = 0;
  let busy = 0;
  let other = result.errors + result.timeouts;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    const code = Number(status);
    if (code >= 200 && code < 300) ok += count;
    else if (code >= 400 && code < 500) clientErrors += count;
    else if (code === 503) busy += count;
    else other += count;
  }
  const perSecond = Math.round((result.requests.total / result.duration) * 10) / 10;
  return {
    route,
    concurrency,
    perSecond,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    clientErrors,
    busy,
    other,
    peakMb: Math.round(peakMb),
  };
}

function fire(url: string, workload: Workload, connections: number, seconds: number): Promise<Result> {
  return autocannon({
    url: new URL(`/${workload.route}`, url).toString(),
    method: 'POST',
    headers: workload.headers,
    body: workload.body,
    connections,
    duration: seconds,
    // Longer than the server's queue deadline (10 s) plus a request: a slow answer is measured, not dropped.
    timeout: 60,
  });
}

/** The columns every table of a run has: its rate, latency and answers by kind. */
const TRAFFIC_COLUMNS = ['>requests/s', '>p50 (ms)', '>p99 (ms)', '>2xx', '>4xx', '>503 Busy', '>other'];

function traffic(r: Row): (string | number)[] {
  return [r.perSecond, r.p50, r.p99, r.ok, r.clientErrors, r.busy, r.other];
}

function curveTable(rows: Row[]): string {
  return table(
    ['route', '>concurrency', ...TRAFFIC_COLUMNS, '>peak RSS (MB)'],
    rows.map((r) => [`POST /${r.route}`, r.concurrency, ...traffic(r), r.peakMb]),
  );
}

function setup(extra: string[]): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  return [
    `- Date: ${new Date().toISOString()}; commit ${commit}; ${availableParallelism()} cores; Node ${process.version}`,
    `- Load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
    ...extra,
  ].join('\n');
}

const log = (line: string) => process.stderr.write(`[load] ${line}\n`);
const { child, url } = await startServer();
const pid = child.pid as number;
const rss = new RssSampler(pid);
const docs: { name: string; markdown: string }[] = [];
try {
  const loads = await workloads();
  log(`server ${url} (pid ${pid}), RSS ${Math.round(rss.current())} MB after start`);
  for (const workload of loads) await fire(url, workload, 1, 3); // warm-up: models, caches, JIT
  const loadStart = setup([]);

  if (levels.length) {
    const rows: Row[] = [];
    for (const workload of loads) {
      for (const concurrency of levels) {
        rss.take();
        const result = await fire(url, workload, concurrency, duration);
        rows.push(row(workload.route, concurrency, result, rss.take()));
        log(curveTable(rows.slice(-1)).split('\n')[2] as string);
      }
    }
    const markdown = curveTable(rows);
    process.stdout.write(`${markdown}\n`);
    const text = [
      '## Load (local server, `npm run load`)',
      '',
      `\`npm run load -- --duration ${duration} --levels ${levels.join(',')}\`: autocannon against the server as \`npm start\` runs it, in its own process with its default limits (one image request per core at once, 16 per slot queued for at most 10 s, then 503 Busy). ${loads.map((w) => `/${w.route}: ${w.describe}`).join('; ')}. Each level runs ${duration} s on keep-alive connections; peak RSS is the server process's (VmRSS sampled every 200 ms). Requests/s and latencies count every answer, 503 Busy included (those are quick); "other" counts any other status, connection error or timeout. Check the load average below before quoting a figure: the machine may have been busy.`,
      '',
      loadStart,
      '',
      markdown,
    ].join('\n');
    docs.push({ name: 'load', markdown: text });
  }

  if (soakSeconds > 0) {
    const workload = loads.find((w) => w.route === 'verify') ?? (loads[0] as Workload);
    // The first 10 % (a minute of a 10-minute soak), at least 30 s unless the soak is that short.
    const warmUp = Math.max(soakSeconds / 10, Math.min(30, soakSeconds / 2)) * 1000;
    const soakStart = setup([]);
    log(`soak: /${workload.route} at ${soakConcurrency} for ${soakSeconds} s`);
    const started = performance.now();
    rss.take();
    const result = await fire(url, workload, soakConcurrency, soakSeconds);
    const r = row(workload.route, soakConcurrency, result, rss.take());
    const after = rss.series.filter((s) => s.at - started >= warmUp);
    const atWarm = after[0]?.mb ?? Number.NaN;
    const end = after.at(-1)?.mb ?? Number.NaN;
    const max = Math.max(...after.map((s) => s.mb));
    const growth = ((end - atWarm) / atWarm) * 100;
    const maxGrowth = ((max - atWarm) / atWarm) * 100;
    const soak = table(
      [
        'route',
        '>concurrency',
        '>duration (s)',
        ...TRAFFIC_COLUMNS,
        '>RSS after warm-up (MB)',
        '>RSS at end (MB)',
        '>max RSS after warm-up (MB)',
        '>growth: end, max',
      ],
      [
        [
          `POST /${r.route}`,
          soakConcurrency,
          soakSeconds,
          ...traffic(r),
          Math.round(atWarm),
          Math.round(end),
          Math.round(max),
          `${growth.toFixed(1)} %, ${maxGrowth.toFixed(1)} %`,
        ],
      ],
    );
    process.stdout.write(`${soak}\n`);
    docs.push({
      name: 'soak',
      markdown: [
        '## Soak (local server, `npm run load -- --soak`)',
        '',
        `\`npm run load -- --levels none --soak ${soakSeconds} --soak-concurrency ${soakConcurrency}\`: /${workload.route} (${workload.describe}) without pause; warm-up is the first ${Math.round(warmUp / 1000)} s. Growth compares the server's RSS at the end (and its maximum) with its RSS when warm-up ended.`,
        '',
        soakStart,
        '',
        soak,
      ].join('\n'),
    });
  }

  if (flags['write-docs'] && docs.length) {
    const path = join(ROOT, 'docs', 'benchmarks.md');
    let doc = await readFile(path, 'utf8');
    for (const { name, markdown } of docs) doc = replaceSection(doc, name, markdown);
    await writeFile(path, doc);
    log('wrote docs/benchmarks.md');
  }
} finally {
  rss.stop();
  child.kill('SIGTERM');
}
