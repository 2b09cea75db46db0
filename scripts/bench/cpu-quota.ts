/**
 * A share of the machine's cores for child processes, the way Lambda allots vCPUs by memory: a Linux
 * cgroup whose CFS quota is `cores` × its period, so the child sees every core but may use only that
 * much CPU time per period. Needs a cgroup the bench may create (root in a container or a VM).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PERIOD_US = 100_000;
/** cgroup v1's cpu controller, and the unified (v2) hierarchy where it has the cpu controller. */
const V1_CPU = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

export interface CpuQuota {
  readonly cores: number;
  /** Write a process id here to put that process (and the threads it starts) under the quota. */
  readonly procsFile: string;
  remove(): Promise<void>;
}

async function v2HasCpu(): Promise<boolean> {
  const controllers = join(V2_ROOT, 'cgroup.subtree_control');
  return existsSync(controllers) && (await readFile(controllers, 'utf8')).split(/\s+/).includes('cpu');
}

/** A cgroup limited to `cores` of CPU time, or why none could be made here. */
export async function createCpuQuota(name: string, cores: number): Promise<CpuQuota | { reason: string }> {
  const quotaUs = Math.round(cores * PERIOD_US);
  const attempts: { dir: string; limit: () => Promise<void> }[] = [];
  if (existsSync(join(V1_CPU, 'cpu.cfs_quota_us'))) {
    const dir = join(V1_CPU, name);
    attempts.push({
      dir,
      limit: async () => {
        await writeFile(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        await writeFile(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      },
    });
  }
  if (await v2HasCpu()) {
    const dir = join(V2_ROOT, name);
    attempts.push({ dir, limit: () => writeFile(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`) });
  }
  const failures: string[] = [];
  for (const { dir, limit } of attempts) {
    try {
      await mkdir(dir, { recursive: true });
      await limit();
      return { cores, procsFile: join(dir, 'cgroup.procs'), remove: () => rmdir(dir) };
    } catch (error) {
      failures.push(`${dir}: ${(error as Error).message}`);
      await rmdir(dir).catch(() => {});
    }
  }
  return {
    reason: attempts.length
      ? `no CPU quota could be set (${failures.join('; ')})`
      : 'this machine has no cgroup cpu controller to set a CPU quota with',
  };
}
