/**
 * The engine on 1 worker (in process) against a pool of N, in one process, verifies interleaved round
 * by round so the machine's noise falls on both alike: verify p50/p95 of the ~1920 px and ~640 px pairs,
 * the process's CPU per verify, and requests/s with 1, 2 and 4 verifies in flight. For the Lambda
 * sizing table (docs/benchmarks.md) and before/after checks of the pool on a shared machine.
 *
 *   npx tsx scripts/bench/workers.ts [--workers 2] [--rounds 30] [--requests 24]
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { FaceService } from '../../functions/core/engine.ts';
import { startFaceService } from '../../functions/shared/face-service.ts';
import { engineConfig } from '../../functions/shared/runtime-config.ts';
import { benchThroughput } from './engine-bench.ts';
import { loadPhotos } from './photos.ts';
import { table } from './report.ts';
import { LoadMeter, round, summarise, time } from './stats.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: String(availableParallelism()) },
    rounds: { type: 'string', default: '30' },
    requests: { type: 'string', default: '24' },
  },
});
const pool = Number(values.workers);
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const log = (message: string) => process.stderr.write(`[workers] ${message}\n`);
const loadStart = loadavg();

const photos = await loadPhotos();
const pairs = [photos.large, photos.small] as const;
const configs: { workers: number; engine: FaceService }[] = [];
for (const workers of [1, pool]) {
  const started = performance.now();
  const engine = await startFaceService(engineConfig(), workers);
  const [a, b] = photos.small;
  for (let i = 0; i < 3; i++) await Promise.all([0, 1].map(() => engine.verify(a.bytes, b.bytes)));
  log(`${workers} worker(s): ready and warm in ${Math.round(performance.now() - started)} ms`);
  configs.push({ workers, engine });
}

const samples = configs.map(() => pairs.map(() => ({ wall: [] as number[], cpuMs: 0 })));
const meter = new LoadMeter();
for (let round = 0; round < rounds; round++) {
  for (const [c, { engine }] of configs.entries()) {
    for (const [p, pair] of pairs.entries()) {
      const cpu = process.cpuUsage();
      const [ms] = await time(() => engine.verify(pair[0].bytes, pair[1].bytes));
      const used = process.cpuUsage(cpu);
      const s = samples[c]?.[p];
      s?.wall.push(ms);
      if (s) s.cpuMs += (used.user + used.system) / 1000;
    }
  }
}
const verifyLoad = meter.stop();
log(`verify: ${rounds} rounds, machine ${verifyLoad.machineCores} cores busy, ours ${verifyLoad.ownCores}`);

const throughput = [];
for (const concurrency of [1, 2, 4]) {
  for (const { workers, engine } of configs) {
    throughput.push({
      workers,
      ...(await benchThroughput(engine, photos.large, concurrency, requests, 20_000)),
    });
  }
}
await Promise.all(configs.map(({ engine }) => engine.close()));

const rows = configs.flatMap(({ workers }, c) =>
  pairs.map(([a, b], p) => {
    const s = samples[c]?.[p] ?? { wall: [], cpuMs: 0 };
    const summary = summarise(s.wall);
    return [
      workers,
      `${a.name} + ${b.name}`,
      summary.p50,
      summary.p95,
      summary.min,
      round(s.cpuMs / s.wall.length),
    ];
  }),
);
process.stdout.write(
  [
    `Load average at start ${loadStart.map((x) => x.toFixed(2)).join(', ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ', ',
      )}; during the verify rounds the machine kept ${verifyLoad.machineCores} of ${verifyLoad.cores} cores busy, this process ${verifyLoad.ownCores}.`,
    '',
    table(['>workers', 'pair', '>p50 (ms)', '>p95 (ms)', '>min (ms)', '>CPU per verify (ms)'], rows),
    '',
    table(
      [
        '>workers',
        '>in flight',
        '>verifies',
        '>verifies/s',
        '>p50 (ms)',
        '>CPU per verify (ms)',
        '>others’ cores',
      ],
      throughput.map((t) => [
        t.workers,
        t.concurrency,
        t.requests,
        t.perSecond,
        t.latency.p50,
        t.cpuMs,
        t.load.otherCores,
      ]),
    ),
    '',
  ].join('\n'),
);
