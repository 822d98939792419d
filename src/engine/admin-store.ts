import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../lib/atomic-write.js';
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
      return parseHolds(text);
    } catch (err) {
      this.onError(new Error(`${this.file}: ${(err as Error).message}`));
      return [];
    }
  }

  save(records: Iterable<ServerRecord>): void {
    if (!this.file) return;
    try {
      writeFileAtomicSync(this.file, encodeHolds(records), 0o600);
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

/**
 * The one shape holds are kept in, on disk and in Redis: `{ version: 1,
 * holds: [{ vs, rs, mode, source, by, at, reason }] }`. Kept from the
 * server records, so a server no longer configured leaves it at the next write.
 */
export function encodeHolds(records: Iterable<ServerRecord>): string {
  const holds: AdminEntry[] = [];
  for (const r of records) if (r.admin) holds.push({ vs: r.vs.key, rs: r.rs.key, ...r.admin });
  return `${JSON.stringify({ version: 1, holds }, null, 1)}\n`;
}

/** The holds of a document in that shape; throws, saying why, on another version or shape (one from a newer rsguard is not read as none). */
export function parseHolds(text: string): AdminEntry[] {
  let doc: { version?: unknown; holds?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new Error('not an rsguard admin state document: not JSON');
  }
  if (doc?.version !== 1) throw new Error(`admin state document of version ${JSON.stringify(doc?.version ?? null)}: this rsguard reads version 1 only`);
  if (!Array.isArray(doc.holds)) throw new Error('not an rsguard admin state document (version 1): no holds list');
  return doc.holds.filter(isEntry);
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
