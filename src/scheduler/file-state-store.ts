import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckState } from '../state/check-state.js';

/**
 * Check states on local disk (embedded mode), so a restart or a crash does
 * not start every server over as up: a dead server stays out of the pool
 * instead of being put back until its checks fail again (a flap). Only
 * changes that matter to a restart (state, hard state, flapping) mark the
 * file dirty, so the probe hot path costs a map write.
 *
 * The write is synchronous and runs on the next setImmediate after the
 * change: after the event fan-out (which spools the mail synchronously) and
 * before the pool keeper's reconcile (queued later), so a crash at any point
 * never leaves the balancer changed by a transition the file does not hold.
 * A burst of transitions makes one write.
 */
export class FileStateStore {
  private readonly states = new Map<string, CheckState>();
  private scheduled = false;
  /** Reported once per run of failures (an unwritable /var/lib/rsguard for a non-root demo), not per write. */
  private failing = false;

  constructor(private readonly file: string, private readonly onError: (err: Error) => void) {}

  async load(ids: Iterable<string>): Promise<Map<string, CheckState>> {
    const out = new Map<string, CheckState>();
    let doc: { version?: number; checks?: Record<string, CheckState> };
    try {
      doc = JSON.parse(await readFile(this.file, 'utf8')) as typeof doc;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw err;
    }
    if (doc.version !== 1 || typeof doc.checks !== 'object' || doc.checks === null) throw new Error(`${this.file}: not an rsguard check state file`);
    for (const id of ids) {
      const s = doc.checks[id];
      if (s && (s.hardState === 'up' || s.hardState === 'down')) {
        out.set(id, s);
        this.states.set(id, s);
      }
    }
    return out;
  }

  save(id: string, state: CheckState): void {
    const prev = this.states.get(id);
    this.states.set(id, state);
    if (!prev || prev.state !== state.state || prev.hardState !== state.hardState || prev.flap.flapping !== state.flap.flapping) this.markDirty();
  }

  private markDirty(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushSync();
    });
  }

  /** Forgets checks that no longer exist (after a reload). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.states.keys()]) {
      if (ids.has(id)) continue;
      this.states.delete(id);
      this.markDirty();
    }
  }

  flushSync(): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, checks: Object.fromEntries(this.states) }));
      renameSync(tmp, this.file);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onError(err as Error);
      this.failing = true;
    }
  }

  async close(): Promise<void> {
    this.flushSync();
  }
}

/** One state file per config file, so two daemons on one host (or tests) never share one. */
export function defaultStateFile(configFile: string): string {
  return path.join('/var/lib/rsguard', `checks-${createHash('sha1').update(path.resolve(configFile)).digest('hex').slice(0, 12)}.json`);
}
