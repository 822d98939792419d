import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../lib/atomic-write.js';
import type { Logger } from '../lib/logger.js';
import { stateFileOf } from '../scheduler/file-state-store.js';
import type { AdminState, ServerRecord } from './server-table.js';

/** One operator hold as written to disk: the server it is on, and the hold as the record has it. */
export interface AdminEntry extends AdminState {
  vs: string;
  rs: string;
}

/**
 * Drains and maintenance survive a restart: a crash in the middle of a
 * rolling deploy must not put the drained server back in the pool. Written
 * whole (atomic rename) at every change, before the API answers; read at
 * start. Kept from the server records, so a server no longer configured
 * leaves the file at the next write.
 */
export class AdminStore {
  constructor(private readonly file: string | false, private readonly onError: (err: Error) => void) {}

  /** The holds on disk; none when there is no file, and none (said once) when it cannot be read. */
  load(): AdminEntry[] {
    if (!this.file) return [];
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err as Error);
      return [];
    }
    try {
      const doc = JSON.parse(text) as { version?: number; holds?: unknown };
      if (doc.version !== 1 || !Array.isArray(doc.holds)) throw new Error('not an rsguard admin state file (version 1)');
      return doc.holds.filter(isEntry);
    } catch (err) {
      this.onError(new Error(`${this.file}: ${(err as Error).message}`));
      return [];
    }
  }

  save(records: Iterable<ServerRecord>): void {
    if (!this.file) return;
    const holds: AdminEntry[] = [];
    for (const r of records) if (r.admin) holds.push({ vs: r.vs.key, rs: r.rs.key, ...r.admin });
    try {
      writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, holds }, null, 1)}\n`, 0o600);
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

function isEntry(x: unknown): x is AdminEntry {
  const e = x as Partial<AdminEntry> | null;
  return Boolean(e && typeof e.vs === 'string' && typeof e.rs === 'string' && (e.mode === 'drain' || e.mode === 'maint') && typeof e.at === 'number');
}

/** The admin state file beside the check state file (none when check states are not kept). */
export function adminFileFor(stateFile: string | false | undefined, configFile: string): string | false {
  const checks = stateFileOf(stateFile, configFile);
  return checks ? `${checks.replace(/\.json$/, '')}.admin.json` : false;
}

/**
 * Part of the composition root's wiring: holds read back into the records
 * at start (servers no longer configured are dropped and said), and written
 * after every change.
 */
export function keepAdminOnDisk(
  file: string | false,
  pools: { restoreAdmin(e: Iterable<AdminEntry>): { restored: number; dropped: number }; onAdminChange: () => void },
  records: () => Iterable<ServerRecord>,
  log: Pick<Logger, 'info' | 'error'>,
): void {
  const store = new AdminStore(file, (err) => log.error({ file, err: err.message }, 'drains and maintenance not kept on disk'));
  const { restored, dropped } = pools.restoreAdmin(store.load());
  if (restored || dropped) log.info({ file, restored, dropped }, 'drains and maintenance restored from disk');
  pools.onAdminChange = () => store.save(records());
}
