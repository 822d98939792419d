import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** User and kernel CPU seconds of a process (all its threads), from /proc/PID/stat. */
export function cpuSplit(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces and is wrapped in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
}

/** CPU seconds of one thread (the main thread when tid is the pid): how busy the event loop's own thread is. */
export function threadCpuSeconds(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The process and its direct children (nginx master and workers). */
export function familyCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) total += cpuSeconds(Number(child));
  }
  return total;
}

/** Resident set size in MB, from /proc/PID/status. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The process and all its descendants, at any depth (keepalived's parent and its checker child). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited since its parent listed it
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(' ').map(Number));
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return out;
}

/**
 * User and kernel CPU seconds of a process and its descendants. A descendant
 * that exits within a window takes its CPU with it (reaped children's time
 * shows in the parent's cutime, not read here): the checkers measured keep
 * their processes for the whole run.
 */
export function treeCpuSplit(pid: number): { user: number; system: number } {
  const sum = { user: 0, system: 0 };
  for (const p of processTree(pid)) {
    try {
      const { user, system } = cpuSplit(p);
      sum.user += user;
      sum.system += system;
    } catch {
      // exited between the listing and the read
    }
  }
  return sum;
}

/** RSS of a process and its descendants, summed (pages they share after fork count in each). */
export function treeRssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      return sum + rssMb(p);
    } catch {
      return sum;
    }
  }, 0);
}
