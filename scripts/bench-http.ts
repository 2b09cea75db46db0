/**
 * The HTTP path of `npm run bench`: p50/p95 latency and throughput of POST /detect and POST /verify
 * through the local server (`npm start`'s), with 1, 4 and 16 concurrent clients on keep-alive
 * connections. Requests: detect takes face-api's 1920×1280 demo group photo as the raw body; verify takes
 * a portrait cut from it and the photo itself, base64 in JSON. Prints a markdown table.
 *
 *   npx tsx scripts/bench-http.ts [--requests N]   # N requests per client (default 3, at least 12 per run)
 *
 * A small load loop rather than autocannon: autocannon's histogram has no p95, and every answer's status
 * is checked here.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { Face } from '../functions/core/types.ts';
import { startServer } from '../functions/local/server.ts';
import { logger } from '../functions/shared/observability.ts';

const PHOTO = new URL('../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url);

export interface HttpBenchOptions {
  clients?: number[];
  /** Requests per client; each run makes at least 12. */
  requests?: number;
  /** Progress lines; stderr by default. */
  log?: (line: string) => void;
}

export interface HttpBenchRow {
  route: 'POST /detect' | 'POST /verify';
  clients: number;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  perSecond: number;
  /** Answers other than 200: must be 0. */
  errors: number;
}

interface Workload {
  route: HttpBenchRow['route'];
  send: () => Promise<Response>;
}

export async function benchHttp({
  clients = [1, 4, 16],
  requests = 3,
  log = (line) => process.stderr.write(`[bench-http] ${line}\n`),
}: HttpBenchOptions = {}): Promise<{ rows: HttpBenchRow[]; markdown: string }> {
  const previous = logger.getLevelName();
  logger.setLogLevel('ERROR'); // a log line per request would be the bench's own noise
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const server = await startServer({ port: 0, s3Port: 0 });
  try {
    const workloads = await workloadsFor(server.url);
    const rows: HttpBenchRow[] = [];
    for (const workload of workloads) {
      await load(workload, 1, 2); // warm-up
      for (const count of clients) {
        const row = await load(workload, count, Math.max(12, count * requests));
        log(`${row.route} × ${count}: p50 ${row.p50Ms} ms, p95 ${row.p95Ms} ms, ${row.perSecond}/s`);
        rows.push(row);
      }
    }
    return { rows, markdown: table(rows) };
  } finally {
    await server.stop();
    logger.setLogLevel(previous);
  }
}

async function workloadsFor(base: string): Promise<Workload[]> {
  const photo = new Uint8Array(await readFile(PHOTO));
  const post = (path: string, body: BodyInit, type: string) => () =>
    fetch(new URL(path, base), { method: 'POST', body, headers: { 'content-type': type } });
  const detect = post('/detect', photo, 'image/jpeg');
  const { faces } = (await (await detect()).json()) as { faces: Face[] };
  const box = faces[0]?.box;
  if (!box) throw new Error('the bench photo has no face');
  const portrait = await sharp(photo)
    .extract({
      left: Math.max(0, Math.round(box.x - box.width / 2)),
      top: Math.max(0, Math.round(box.y - box.height / 2)),
      width: Math.round(box.width * 2),
      height: Math.round(box.height * 2),
    })
    .jpeg()
    .toBuffer();
  const pair = JSON.stringify({
    source: portrait.toString('base64'),
    target: Buffer.from(photo).toString('base64'),
  });
  return [
    { route: 'POST /detect', send: detect },
    { route: 'POST /verify', send: post('/verify', pair, 'application/json') },
  ];
}

/** `total` requests from `clients` concurrent clients, each sending its next request once answered. */
async function load({ route, send }: Workload, clients: number, total: number): Promise<HttpBenchRow> {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (started < total) {
        started++;
        const sent = performance.now();
        const response = await send();
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        if (response.status !== 200) errors++;
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  return {
    route,
    clients,
    requests: total,
    p50Ms: Math.round(percentile(latencies, 50)),
    p95Ms: Math.round(percentile(latencies, 95)),
    perSecond: Math.round((total / seconds) * 10) / 10,
    errors,
  };
}

/** Nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function table(rows: readonly HttpBenchRow[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(['route', 'clients', 'requests', 'p50 ms', 'p95 ms', 'requests/s', 'errors']),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map((r) => line([r.route, r.clients, r.requests, r.p50Ms, r.p95Ms, r.perSecond, r.errors])),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { requests: { type: 'string' } } });
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  if (requests !== undefined && !(Number.isInteger(requests) && requests > 0)) {
    throw new Error('--requests must be a positive integer');
  }
  const { markdown } = await benchHttp(requests ? { requests } : {});
  console.log(markdown);
}
