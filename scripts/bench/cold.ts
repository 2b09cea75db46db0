/**
 * Cold-start child: process start → engine modules imported → models ready (every worker's, with a
 * pool) → first verify answered,
 * then `--verifies N` more verifies (`--concurrency C` at a time) so its peak RSS is that of a process
 * that has served requests. Every milestone is printed with this process's own clock (ms since start).
 *
 * Usage: node --import tsx scripts/bench/cold.ts [--verifies 20] [--concurrency 2] <photo> <photo>
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { engineConfig, workerCount } from '../../functions/shared/runtime-config.ts';
import { cpuMs, maxRssMb, report } from './child.ts';

report('script');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { verifies: { type: 'string', default: '0' }, concurrency: { type: 'string', default: '1' } },
});
const [a, b] = await Promise.all(positionals.slice(0, 2).map((p) => readFile(p)));
if (!a || !b) throw new Error('cold.ts needs two photos');

const { startFaceService } = await import('../../functions/shared/face-service.ts');
report('imported');
// As the entry points run it: FACEVERIFY_WORKERS workers (default one per core), ready when all are.
const engine = await startFaceService(engineConfig(), workerCount());
report('ready');
const first = await engine.verify(a, b);
report('answer', { timings: first.timings, similarity: first.similarity });

const total = Number(values.verifies);
const concurrency = Math.max(1, Number(values.concurrency));
let next = 0;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const start = performance.now();
      await engine.verify(a, b);
      latencies.push(performance.now() - start);
    }
  }),
);
report('done', { maxRssMb: maxRssMb(), cpuMs: cpuMs(), verifies: total, concurrency, latencies });
