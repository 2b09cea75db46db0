/**
 * A short fuzz run of every target inside `npm test` (FUZZ_RUNS per target, default below);
 * `npm run fuzz` runs ≥ 10,000 cases each. A failure prints fast-check's seed and shrunk case.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { httpHandlers } from '../../functions/handlers/registry.ts';
import type { HttpHandler } from '../../functions/http/dispatch.ts';
import { logger } from '../../functions/shared/observability.ts';
import { createRuntime } from '../../functions/shared/runtime.ts';
import { runtimeConfig } from '../../functions/shared/runtime-config.ts';
import { decodeTarget, httpTarget, pairsTarget, runTarget } from './targets.ts';

const RUNS = Number(process.env.FUZZ_RUNS) || 150;

describe('fuzzing: every case ends in a result or a typed 4xx error', () => {
  let handlers: { detect: HttpHandler; verify: HttpHandler };

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    logger.setLogLevel('ERROR');
    // No upload bucket: { s3 } references are refused, so no case reaches the network.
    handlers = await httpHandlers(createRuntime({ ...runtimeConfig({}), uploadBucket: undefined }));
  });

  it('decode: random bytes, and real JPEG/PNG/WebP/GIF/TIFF files damaged or lying about their size', async () => {
    const run = await runTarget(await decodeTarget(), RUNS);
    expect([...run.tally.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    // The seeds decode when undamaged, and damage is refused: both ends are reached.
    expect(run.tally.get('ok')).toBeGreaterThan(0);
    expect(run.tally.get('InvalidImage')).toBeGreaterThan(0);
  });

  it('the pairs TSV parser', async () => {
    const run = await runTarget(pairsTarget(), RUNS * 4);
    expect(run.tally.get('pair')).toBeGreaterThan(0);
    expect(run.tally.get('InvalidRequest')).toBeGreaterThan(0);
  });

  it('the HTTP request layer: /detect and /verify with random bodies, content types and query strings', async () => {
    const run = await runTarget(await httpTarget(handlers), RUNS);
    const statuses = [...run.tally.keys()];
    expect(statuses.some((s) => s.startsWith('400'))).toBe(true);
    expect(statuses.some((s) => s.startsWith('415'))).toBe(true);
  });
});
