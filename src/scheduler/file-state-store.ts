import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../lib/atomic-write.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckState } from '../state/check-state.js';

/**
 * Check states on local disk (embedded mode), so a restart or a crash does
 * not start every server over as up: a dead server stays out of the pool
 * instead of being put back until its checks fail again (a flap).
 *
 * Only changes that matter to a restart (state, hard state, flapping) are
 * written, each as one line appended synchronously to a journal, in the same
 * tick as the transition: after its mail is spooled and before the pool keeper
 * reconciles (which waits for setImmediate). A crash can therefore repeat a
 * mail, in a window of microseconds, but never lose one, and the balancer is
 * never changed by a transition the file does not hold. Appends cost the same
 * at 10 or 10,000 servers; the journal is folded into a snapshot when it has
 * grown past twice the number of checks.
 */
export class FileStateStore {
  private readonly states = new Map<string, CheckState>();
  private journalLines = 0;
  /** Reported once per run of failures (an unwritable /var/lib/rsguard for a non-root demo), not per write. */
  private failing = false;
  private readonly journal: string;

  constructor(private readonly file: string, private readonly onError: (err: Error) => void) {
    this.journal = `${file}.journal`;
  }

  async load(ids: Iterable<string>): Promise<Map<string, CheckState>> {
    const all = new Map<string, CheckState>();
    let snapshot: string | undefined;
    try {
      snapshot = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (snapshot !== undefined) {
      const doc = JSON.parse(snapshot) as { version?: number; checks?: Record<string, CheckState> };
      if (doc.version !== 1 || typeof doc.checks !== 'object' || doc.checks === null) throw new Error(`${this.file}: not an rsguard check state file`);
      for (const [id, s] of Object.entries(doc.checks)) all.set(id, s);
    }
    const journal = await readFile(this.journal, 'utf8').catch(() => '');
    for (const line of journal.split('\n')) {
      if (!line) continue;
      try {
        const [id, s] = JSON.parse(line) as [string, CheckState];
        all.set(id, s);
      } catch {
        // The last line of a crash mid-append: the state before it stands.
      }
    }
    const out = new Map<string, CheckState>();
    for (const id of ids) {
      const s = all.get(id);
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
    if (prev && prev.state === state.state && prev.hardState === state.hardState && prev.flap.flapping === state.flap.flapping) return;
    this.write(() => {
      mkdirSync(path.dirname(this.journal), { recursive: true });
      appendFileSync(this.journal, `${JSON.stringify([id, state])}\n`);
      if (++this.journalLines > Math.max(1000, 2 * this.states.size)) this.compact();
    });
  }

  /** Forgets checks that no longer exist (after a reload). */
  retain(ids: ReadonlySet<string>): void {
    let changed = false;
    for (const id of [...this.states.keys()]) {
      if (ids.has(id)) continue;
      this.states.delete(id);
      changed = true;
    }
    if (changed) this.write(() => this.compact());
  }

  /** The snapshot first (atomically), then an empty journal: a crash in between replays lines the snapshot already holds. */
  private compact(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomicSync(this.file, JSON.stringify({ version: 1, checks: Object.fromEntries(this.states) }));
    writeFileSync(this.journal, '');
    this.journalLines = 0;
  }

  private write(fn: () => void): void {
    try {
      fn();
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onError(err as Error);
      this.failing = true;
    }
  }

  async close(): Promise<void> {
    this.write(() => this.compact());
  }
}

/** One state file per config file, so two daemons on one host (or tests) never share one. */
/** Where embedded mode keeps check states for this config: global.stateFile, else the default per config path; false: nowhere. */
export function stateFileOf(stateFile: string | false | undefined, configFile: string): string | false {
  return stateFile === undefined ? defaultStateFile(configFile) : stateFile;
}

export function defaultStateFile(configFile: string): string {
  return path.join('/var/lib/rsguard', `checks-${createHash('sha1').update(path.resolve(configFile)).digest('hex').slice(0, 12)}.json`);
}
