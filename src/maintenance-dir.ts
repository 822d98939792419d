import { readdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Model } from './model/model.js';
import type { ServerRecord } from './engine/server-table.js';
import { ReverseNames } from './lib/reverse-names.js';
import { every, realTimers, type Timers } from './lib/timers.js';
import type { Logger } from './log.js';

/**
 * The file names ldirectord's _check_real_for_maintenance tries, in its
 * order: IP:PORT, IP, the reverse DNS name with and without :PORT, and the
 * name's first label (only when it starts with a lower-case letter, as its
 * regex /^([a-z][a-z0-9\-]+)\./ wants) with and without :PORT.
 */
export function maintenanceNames(ip: string, port: number, reverseName: string | undefined): string[] {
  const out = [`${ip}:${port}`, ip];
  if (reverseName) {
    out.push(`${reverseName}:${port}`, reverseName);
    const short = /^([a-z][a-z0-9-]+)\./.exec(reverseName)?.[1];
    if (short) out.push(`${short}:${port}`, short);
  }
  return out;
}

export interface MaintenanceTarget {
  setAdmin(vsKey: string, rsKey: string, mode: 'maint', on: boolean, by: string | null, reason: string | null, source: 'maintenancedir'): unknown;
}

/**
 * ldirectord's maintenancedir: every round the directory is listed; a real
 * server with a file named after it is put in maintenance (source
 * `maintenancedir`, the file's name as the reason) and taken out of it when
 * the file goes. A hold set by an operator through the API is never touched;
 * one set by the server's agent is replaced.
 * A directory that cannot be listed changes nothing (logged once).
 */
export function watchMaintenanceDir(
  model: () => Model,
  records: () => Iterable<ServerRecord>,
  target: MaintenanceTarget,
  log: Pick<Logger, 'warn' | 'info'>,
  everyMs = 1000,
  timers: Timers = realTimers,
  names = new ReverseNames(),
): () => void {
  let failing = false;
  let busy = false;
  let cleared = false;
  const round = async () => {
    const dir = model().global.maintenanceDir;
    if (busy) return;
    if (!dir) {
      // Taken out of the config (or gone while rsguard was down): its holds end, once; nothing else would end them,
      // and they are kept on disk across restarts. Not every second for every server of a director without one.
      if (!cleared) for (const r of records()) if (r.admin?.source === 'maintenancedir') target.setAdmin(r.vs.key, r.rs.key, 'maint', false, null, 'maintenanceDir no longer configured', 'maintenancedir');
      cleared = true;
      return;
    }
    cleared = false;
    busy = true;
    try {
      let files: Set<string>;
      try {
        files = new Set(await readdir(dir));
        if (failing) log.info({ dir }, 'maintenance directory readable again');
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ dir, err: (err as NodeJS.ErrnoException).code ?? (err as Error).message }, 'maintenance directory cannot be read: maintenance from files left as it is');
        failing = true;
        return;
      }
      // Reverse names are asked only when a file could be one (not every name is an address), all at once, not one server after another.
      const list = [...records()];
      const byName = [...files].some((f) => !isIP(f.replace(/:\d+$/, '')));
      const reverseNames = byName ? await Promise.all(list.map((r) => names.get(r.rs.host))) : [];
      for (const [i, r] of list.entries()) {
        const file = files.size ? maintenanceNames(r.rs.host, r.rs.port, reverseNames[i]).find((n) => files.has(n)) : undefined;
        const byFile = r.admin?.source === 'maintenancedir';
        // An agent's hold gives way to the file (the operator's), and comes back at the agent's next answer once the file is gone.
        if (file && (!r.admin || r.admin.source === 'agent')) target.setAdmin(r.vs.key, r.rs.key, 'maint', true, null, `file ${file} in ${dir}`, 'maintenancedir');
        else if (!file && byFile) target.setAdmin(r.vs.key, r.rs.key, 'maint', false, null, null, 'maintenancedir');
      }
    } finally {
      busy = false;
    }
  };
  void round();
  return every(timers, everyMs, () => void round());
}
