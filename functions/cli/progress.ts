/**
 * A long run's sign of life on a terminal: done/total, items per second and the time left, redrawn on
 * one line of stderr at most every `intervalMs`. Silent when stderr is not a terminal (a log file or a
 * pipe gets nothing extra).
 */

export interface ProgressOptions {
  total: number;
  /** What is counted: "images", "pairs". */
  unit: string;
  stream: { isTTY?: boolean; write(chunk: string): unknown };
  now?: () => number;
  intervalMs?: number;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly started: number;
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly interval: number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.interval = options.intervalMs ?? 250;
    this.started = this.now();
  }

  /** One item finished; `ok` false counts it as failed too. */
  tick(ok = true): void {
    this.done++;
    if (!ok) this.failed++;
    const now = this.now();
    if (now - this.lastDrawn >= this.interval || this.done === this.options.total) {
      this.lastDrawn = now;
      this.draw(now);
    }
  }

  /** Clears the line, so what follows on stderr starts clean. */
  finish(): void {
    if (this.options.stream.isTTY && this.done > 0) this.options.stream.write('\r\x1b[2K');
  }

  private draw(now: number): void {
    if (!this.options.stream.isTTY) return;
    this.options.stream.write(
      `\r\x1b[2K${describeProgress(this.done, this.failed, this.options, now - this.started)}`,
    );
  }
}

/** `120/1000 images · 8.4/s · 1m 45s left · 2 failed`. Pure. */
export function describeProgress(
  done: number,
  failed: number,
  { total, unit }: Pick<ProgressOptions, 'total' | 'unit'>,
  elapsedMs: number,
): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [`${done}/${total} ${unit}`, `${rate.toFixed(1)}/s`];
  if (rate > 0 && done < total) parts.push(`${duration((total - done) / rate)} left`);
  if (failed > 0) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
