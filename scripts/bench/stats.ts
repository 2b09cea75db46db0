/** Summaries of latency samples, and how busy the rest of the machine was while they were taken. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
  /** Median absolute deviation over the median: the run's own noise, robust to a few outliers. */
  madPct: number;
}

/** Linear-interpolated percentile of sorted values (q in [0, 1]). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (at - lo);
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const deviations = sorted.map((x) => Math.abs(x - p50)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(p50),
    p95: round(percentile(sorted, 0.95)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1)),
    madPct: round((100 * percentile(deviations, 0.5)) / (p50 || 1)),
  };
}

export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function time<T>(fn: () => Promise<T>): Promise<[ms: number, value: T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

/** CPU jiffies of the whole machine from /proc/stat (Linux); undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const v = fields.map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export interface Load {
  /** Wall time of the phase, ms. */
  wallMs: number;
  /** Average cores busy machine-wide during the phase. */
  machineCores: number;
  /** Average cores used by the measured process(es). */
  ownCores: number;
  /** Average cores used by everything else: the noise. */
  otherCores: number;
  cores: number;
}

/**
 * Measures how many cores the machine, and the measured code, kept busy during a phase. `ownCpuMs`
 * defaults to this process's CPU time; phases run in a child pass the child's own CPU time instead.
 */
export class LoadMeter {
  private readonly wall = performance.now();
  private readonly cpu = process.cpuUsage();
  private readonly machine = machineCpu();

  stop(ownCpuMs?: number): Load {
    const wallMs = performance.now() - this.wall;
    const used = process.cpuUsage(this.cpu);
    const own = ownCpuMs ?? (used.user + used.system) / 1000;
    const end = machineCpu();
    const cores = cpus().length;
    let machineCores = Number.NaN;
    if (this.machine && end && end.total > this.machine.total) {
      const share = (end.busy - this.machine.busy) / (end.total - this.machine.total);
      machineCores = share * cores;
    }
    const ownCores = own / wallMs;
    return {
      wallMs: round(wallMs),
      machineCores: round(machineCores, 2),
      ownCores: round(ownCores, 2),
      otherCores: round(Math.max(0, machineCores - ownCores), 2),
      cores,
    };
  }
}

/** The probe loop's result, kept where the optimiser cannot drop it. */
export let probeChecksum = 0;

/** A fixed CPU-bound JS workload, timed: its spread shows how much the scheduler stole from us. */
export function probeScheduler(rounds = 20): Summary {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    let x = 0;
    for (let i = 0; i < 1_000_000; i++) x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    probeChecksum += x;
    samples.push(performance.now() - start);
  }
  return summarise(samples);
}
