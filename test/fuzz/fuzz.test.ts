/**
 * A short fuzz run of every target inside `npm test` (FUZZ_RUNS per target, default below);
 * `npm run fuzz` runs ≥ 10,000 cases each. A failure prints fast-check's seed and shrunk case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandler } from '../../functions/http/handler.ts';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { logger } from '../../functions/shared/observability.ts';
import { decodeTarget, httpTarget, pairsTarget, runTarget } from './targets.ts';

const RUNS = Number(process.env.FUZZ_RUNS) || 150;

describe('fuzzing: every case ends in a result or a typed 4xx error', () => {
  let handlers: { detect: HttpHandler; verify: HttpHandler };
  const bucket = process.env[ENVIRONMENT.uploadBucket];

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    delete process.env[ENVIRONMENT.uploadBucket]; // { s3 } references are refused: no network
    logger.setLogLevel('ERROR');
    const [detect, verify] = await Promise.all([
      import('../../functions/handlers/detect.ts'),
      import('../../functions/handlers/verify.ts'),
    ]);
    handlers = { detect: detect.handler, verify: verify.handler };
  });

  afterAll(() => {
    if (bucket !== undefined) process.env[ENVIRONMENT.uploadBucket] = bucket;
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
