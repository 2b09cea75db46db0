/**
 * Cold-start child: process start → engine modules imported → models ready (every worker's, with a
 * pool) → first request answered, then `--verifies N` more of the same request (`--concurrency C` at
 * a time) so its peak RSS is that of a process that has served requests. Every milestone is printed with this process's own clock (ms since start).
 * `--call` picks the request: a verify of the two photos (default), or what the one-photo functions
 * run on the first: a tiled detect (`detect`) or an embedding of its subject (`embed`, collections).
 *
 * Usage: node --import tsx scripts/bench/cold.ts [--verifies 20] [--concurrency 2] [--call verify|detect|embed] <photo> <photo>
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { engineConfig, workerCount } from '../../functions/shared/runtime-config.ts';
import { cpuMs, maxRssMb, report } from './child.ts';

report('script');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    verifies: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '1' },
    call: { type: 'string', default: 'verify' },
  },
});
const [a, b] = await Promise.all(positionals.slice(0, 2).map((p) => readFile(p)));
if (!a || !b) throw new Error('cold.ts needs two photos');

const { startFaceService } = await import('../../functions/shared/face-service.ts');
report('imported');
// As the entry points run it: FACEVERIFY_WORKERS workers (default one per core), ready when all are.
const engine = await startFaceService(engineConfig(), workerCount());
report('ready');
const calls = {
  verify: () => engine.verify(a, b),
  detect: () => engine.detect(a),
  embed: () => engine.embedImage(a),
};
const call = calls[values.call as keyof typeof calls];
if (!call) throw new Error(`--call must be one of ${Object.keys(calls).join(', ')}`);
const first = await call();
report('answer', { timings: first.timings, cpuMs: cpuMs() });

const total = Number(values.verifies);
const concurrency = Math.max(1, Number(values.concurrency));
let next = 0;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const start = performance.now();
      await call();
      latencies.push(performance.now() - start);
    }
  }),
);
report('done', { maxRssMb: maxRssMb(), cpuMs: cpuMs(), verifies: total, concurrency, latencies });
