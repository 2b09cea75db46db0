/**
 * Child processes of the bench (cold start, the peer): each prints `@bench {json}` lines on stdout as
 * it reaches a milestone, and the parent notes when each line arrived, counted from just before spawn.
 */
import { spawn } from 'node:child_process';

const PREFIX = '@bench ';

export interface ChildEvent {
  /** Milestone name, e.g. 'ready'. */
  event: string;
  /** When the parent read the line, ms after it called spawn. */
  parentMs: number;
  [key: string]: unknown;
}

export interface ChildRun {
  events: ChildEvent[];
  /** Spawn to exit, ms. */
  wallMs: number;
  code: number | null;
  stderr: string;
}

export interface RunChildOptions {
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  cwd?: string;
  /** Called with each line the child writes to stderr (e.g. to pass its progress on). */
  onStderrLine?: (line: string) => void;
  /** A cgroup's `cgroup.procs`: the child joins it before node starts (scripts/bench/cpu-quota.ts). */
  cgroupProcs?: string;
}

/** Runs `node <args>` and collects its milestones; rejects on timeout or a non-zero exit. */
export function runChild({
  args,
  env,
  timeoutMs,
  cwd,
  onStderrLine,
  cgroupProcs,
}: RunChildOptions): Promise<ChildRun> {
  // In a cgroup: a shell writes its own pid into it, then becomes node, so every thread node starts is in it.
  const [command, argv] = cgroupProcs
    ? ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: ChildEvent[] = [];
    let pending = '';
    let stderr = '';
    let pendingErr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parentMs = performance.now() - start;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(PREFIX)) events.push({ ...JSON.parse(line.slice(PREFIX.length)), parentMs });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
      if (!onStderrLine) return;
      pendingErr += chunk;
      const lines = pendingErr.split('\n');
      pendingErr = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const run = { events, wallMs: performance.now() - start, code, stderr };
      if (code === 0) resolve(run);
      else reject(new Error(`child ${args.join(' ')} exited with ${code}\n${stderr}`));
    });
  });
}

/** In a child: report a milestone (with its own clock: ms since this process started). */
export function report(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${PREFIX}${JSON.stringify({ event, childMs: performance.now(), ...data })}\n`);
}

export function findEvent(run: ChildRun, event: string): ChildEvent {
  const found = run.events.find((e) => e.event === event);
  if (!found) throw new Error(`the child never reported '${event}'\n${run.stderr}`);
  return found;
}

/** This process's CPU time so far (all threads), ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function maxRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}
