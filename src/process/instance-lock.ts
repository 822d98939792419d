import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Who holds a lock: enough to tell a live holder from a dead one whose pid was reused. */
interface Holder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22). */
  start: number;
  what: string;
  config: string;
}

export class InstanceLocked extends Error {
  override name = 'InstanceLocked';
  constructor(readonly what: string, readonly holder: Holder, readonly file: string) {
    super(`${what} is already driven by rsguard pid ${holder.pid} (config ${holder.config}; lock ${file}): stop that one first, or give this one its own`);
  }
}

function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** Alive and the same process that wrote the lock (a reused pid has another start time). */
function alive(h: Holder): boolean {
  return startTicks(h.pid) === h.start;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' && typeof h.start === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One rsguard per balancer target and per state file: two copies of the same
 * config (two terminals, a unit and a cron job) would undo each other's
 * drains and mail every transition twice. The lock is a file holding the
 * holder's pid and start time, created with link(2) so that of two starting
 * at once exactly one gets it; a lock whose holder is dead (a crash, a
 * SIGKILL, a reboot) is taken over. Returns the release function.
 */
export async function acquireLock(file: string, what: string, config: string): Promise<() => Promise<void>> {
  const me: Holder = { pid: process.pid, start: startTicks(process.pid) ?? 0, what, config };
  const body = `${JSON.stringify(me)}\n`;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, body, { mode: 0o644 });
  let got = false;
  try {
    for (let attempt = 0; attempt < 3 && !got; attempt++) {
      try {
        await link(tmp, file);
        got = true;
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readHolder(file);
      if (holder && holder.pid === me.pid && holder.start === me.start) {
        got = true;
        break;
      }
      if (holder && alive(holder)) throw new InstanceLocked(what, holder, file);
      // Dead holder (or a torn file): replace it in one rename, then make sure no other taker won the same race.
      await rename(tmp, file);
      await writeFile(tmp, body, { mode: 0o644 });
      const now = await readHolder(file);
      if (now && now.pid === me.pid && now.start === me.start) got = true;
      else if (now && alive(now)) throw new InstanceLocked(what, now, file);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  if (!got) throw new Error(`${what}: lock ${file} could not be taken (it keeps changing hands)`);
  return async () => {
    const h = await readHolder(file);
    if (h && h.pid === me.pid && h.start === me.start) await rm(file, { force: true });
  };
}
