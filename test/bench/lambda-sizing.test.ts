import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuQuota } from '../../scripts/bench/cpu-quota.ts';
import { costPer1000, LAMBDA } from '../../scripts/bench/lambda-sizing.ts';

describe('Lambda sizing', () => {
  it('bills the warm p50 at the memory in GB times the price per GB-second', () => {
    // One second at 1,024 MB is one GB-second.
    expect(costPer1000(1000, 1024)).toBeCloseTo(1000 * LAMBDA.usdPerGbSecond, 12);
    expect(costPer1000(185, 3008)).toBeCloseTo(0.185 * (3008 / 1024) * LAMBDA.usdPerGbSecond * 1000, 12);
  });

  it('sets a CPU quota of cores × period and removes it, or says why it cannot', async () => {
    const quota = await createCpuQuota(`faceverify-test-${process.pid}`, 0.58);
    if ('reason' in quota) {
      console.log(`CPU quota not checked: ${quota.reason}`);
      expect(quota.reason).toMatch(/cgroup|quota/);
      return;
    }
    const dir = dirname(quota.procsFile);
    const v1 = join(dir, 'cpu.cfs_quota_us');
    const limit = existsSync(v1)
      ? readFileSync(v1, 'utf8').trim()
      : readFileSync(join(dir, 'cpu.max'), 'utf8').split(' ')[0];
    expect(Number(limit)).toBe(58_000);
    await quota.remove();
    expect(existsSync(dir)).toBe(false);
  });
});
