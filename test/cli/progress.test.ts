import { describe, expect, it } from 'vitest';
import { describeProgress, Progress } from '../../functions/cli/progress.ts';

describe('describeProgress', () => {
  it('says done/total, the rate and the time left', () => {
    expect(describeProgress(120, 0, { total: 1000, unit: 'photos' }, 15_000)).toBe(
      '120/1000 photos · 8.0/s · 1m 50s left',
    );
  });

  it('counts failures and drops the time left once done', () => {
    expect(describeProgress(10, 2, { total: 10, unit: 'pairs' }, 2_000)).toBe(
      '10/10 pairs · 5.0/s · 2 failed',
    );
  });

  it('gives hours for long runs and no rate before any time passed', () => {
    expect(describeProgress(1, 0, { total: 100_000, unit: 'pairs' }, 1_000)).toContain('27h 46m left');
    expect(describeProgress(0, 0, { total: 5, unit: 'photos' }, 0)).toBe('0/5 photos · 0.0/s');
  });
});

describe('Progress', () => {
  const stream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, isTTY, write: (chunk: string) => chunks.push(chunk) };
  };

  it('writes nothing when stderr is not a terminal', () => {
    const err = stream(false);
    const progress = new Progress({ total: 3, unit: 'photos', stream: err, now: () => 0 });
    progress.tick();
    progress.tick(false);
    progress.tick();
    progress.finish();
    expect(err.chunks).toEqual([]);
  });

  it('redraws one line at most every interval, always the last, and clears it at the end', () => {
    const err = stream(true);
    let now = 0;
    const progress = new Progress({ total: 4, unit: 'photos', stream: err, now: () => now, intervalMs: 100 });
    now = 50;
    progress.tick(); // first draw
    now = 60;
    progress.tick(false); // within the interval: skipped
    now = 70;
    progress.tick();
    now = 80;
    progress.tick(); // the last: drawn
    progress.finish();
    expect(err.chunks).toHaveLength(3);
    expect(err.chunks[0]?.startsWith('\r\x1b[2K1/4 photos')).toBe(true);
    expect(err.chunks[1]).toMatch(/4\/4 photos · 50\.0\/s · 1 failed$/);
    expect(err.chunks[2]).toBe('\r\x1b[2K');
  });
});
