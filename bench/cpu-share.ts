import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The quota's bite so far: scheduler periods, how many of them the group hit its quota in, and the time it waited. */
export interface Throttling {
  periods: number;
  throttled: number;
  throttledSeconds: number;
}

export interface CpuLimit {
  /** Removes the group once the process has exited. */
  release(): void;
  /** From the group's cpu.stat: a group throttled in most periods used all of its share. */
  throttling(): Throttling;
}

/**
 * Puts a process in a cgroup of its own with a CPU quota (a fraction of one
 * core), so "the worker is saturated" is a setting, not a hope, on a 2-core
 * machine that also runs the farm, Redis and the scheduler. cgroup v1's cpu
 * controller (cpu.cfs_quota_us) or v2's cpu.max, whichever the host has.
 */
export function limitCpu(pid: number, name: string, fraction: number): CpuLimit {
  const periodUs = 100_000;
  const quotaUs = Math.max(1000, Math.round(fraction * periodUs));
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : existsSync('/sys/fs/cgroup/unified/cgroup.controllers') ? '/sys/fs/cgroup/unified' : '';
  let dir: string;
  if (existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
    dir = path.join(v1, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(periodUs));
    writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
  } else if (v2 && readFileSync(path.join(v2, 'cgroup.controllers'), 'utf8').includes('cpu')) {
    writeFileSync(path.join(v2, 'cgroup.subtree_control'), '+cpu');
    dir = path.join(v2, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
  } else {
    throw new Error('--cpu-share needs a writable cgroup cpu controller (run as root)');
  }
  writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  return {
    release() {
      try {
        rmdirSync(dir);
      } catch {
        // Still holds a process that has not exited yet: left for the next run's mkdir to reuse.
      }
    },
    throttling() {
      // v1: nr_periods, nr_throttled, throttled_time (ns); v2: nr_periods, nr_throttled, throttled_usec.
      const stat = Object.fromEntries(
        readFileSync(path.join(dir, 'cpu.stat'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ') as [string, string]),
      );
      const seconds = stat.throttled_usec !== undefined ? Number(stat.throttled_usec) / 1e6 : Number(stat.throttled_time ?? 0) / 1e9;
      return { periods: Number(stat.nr_periods ?? 0), throttled: Number(stat.nr_throttled ?? 0), throttledSeconds: seconds };
    },
  };
}
