import { realTimers, type Timers } from '../../lib/timers.js';
import type { RuntimeClient } from './runtime-client.js';

/** The fields of `show info` that tell one HAProxy process from the next. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export function parseProcessIdentity(info: string): ProcessIdentity | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^${name}: (\\d+)\\s*$`, 'm').exec(info);
    return m ? Number(m[1]) : undefined;
  };
  const pid = field('Pid');
  // Start_time_sec came with 2.4; Uptime_sec is older: either tells a restart where a pid was reused.
  const start = field('Start_time_sec') ?? (field('Uptime_sec') !== undefined ? Math.round(Date.now() / 1000) - field('Uptime_sec')! : undefined);
  return pid === undefined || start === undefined ? undefined : { pid, startTime: start };
}

/**
 * Asks HAProxy who it is every `intervalMs` and calls `restarted` when the
 * answer changes: a reload (`-sf`, master-worker `reload`) or a restart starts
 * a process with every server as its config says, and the pools must be
 * reapplied at once. A socket that was unreachable and answers again is a
 * new process too (its identity is compared with the last one seen).
 * One request at a time: a slow HAProxy is not asked again before it answers.
 */
export function watchHaproxyProcess(client: RuntimeClient, intervalMs: number, restarted: (detail: Record<string, unknown>) => void, timers: Timers = realTimers): () => void {
  let known: ProcessIdentity | undefined;
  let stopped = false;
  let timer: unknown;
  const tick = async () => {
    const info = await client.send('show info').catch(() => undefined);
    const now = info === undefined ? undefined : parseProcessIdentity(info);
    if (now && known && (now.pid !== known.pid || Math.abs(now.startTime - known.startTime) > 2)) {
      restarted({ previousPid: known.pid, pid: now.pid, startTime: now.startTime });
    }
    if (now) known = now;
    if (!stopped) timer = timers.setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    timers.clearTimeout(timer);
  };
}
