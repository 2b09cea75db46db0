/**
 * `npm run fuzz [-- --runs N] [--seed S] [--only decode|pairs|http]`: every fuzz target of
 * test/fuzz/targets.ts for N cases (default 10,000), then each target's case count and outcomes.
 * Exit 1 with fast-check's report (seed, shrunk counterexample) on the first failing case.
 */
import { parseArgs } from 'node:util';
import { httpHandlers } from '../functions/handlers/registry.ts';
import { logger } from '../functions/shared/observability.ts';
import { createRuntime } from '../functions/shared/runtime.ts';
import { runtimeConfig } from '../functions/shared/runtime-config.ts';
import { decodeTarget, type FuzzTarget, httpTarget, pairsTarget, runTarget } from '../test/fuzz/targets.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a whole number ≥ 1, not ${values.runs}`);
const seed = values.seed === undefined ? undefined : Number(values.seed);

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
logger.setLogLevel('ERROR');

const targets: Record<string, () => Promise<FuzzTarget>> = {
  decode: decodeTarget,
  pairs: async () => pairsTarget(),
  http: async () => {
    // No upload bucket: { s3 } references are refused, so no case reaches the network.
    const { detect, verify } = await httpHandlers(
      createRuntime({ ...runtimeConfig({}), uploadBucket: undefined }),
    );
    return httpTarget({ detect, verify });
  },
};

let failed = false;
for (const [key, make] of Object.entries(targets)) {
  if (values.only && values.only !== key) continue;
  const target = await make();
  try {
    const run = await runTarget(target, runs, seed);
    const outcomes = [...run.tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    console.log(
      `${run.name}: ${run.runs} cases in ${(run.ms / 1000).toFixed(1)} s, 0 failures — ${outcomes.join(', ')}`,
    );
  } catch (error) {
    failed = true;
    console.error(`${target.name}: FAILED\n${error instanceof Error ? error.message : error}`);
  }
}
process.exitCode = failed ? 1 : 0;
