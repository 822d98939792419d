import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { ConfigProblem } from '../actuator.js';
import type { RuntimeClient } from './runtime-client.js';

/**
 * Keeps HAProxy's server-state file (`server-state-file` in global,
 * `load-server-state-from-file global` in defaults) equal to HAProxy's own
 * `show servers state` as rsguard last left it. A reloaded or restarted
 * HAProxy loads it before it serves its first request, so a server rsguard
 * holds in maint or drain starts that way instead of `ready` until rsguard
 * notices (1.8-8.2 s of 503s per reload when nothing kept the file).
 * Written whole or not at all: HAProxy must never load half a file.
 */
export class ServerStateFile {
  private last = '';

  constructor(private readonly client: RuntimeClient, private readonly file: string) {}

  /**
   * After a reconcile. One that changed nothing leaves HAProxy as the file
   * already says, so the whole-table dump (every backend, every server) is
   * skipped then, once the file has been written: scoped reconciles on
   * transitions and the periodic repair stay cheap at thousands of servers.
   */
  async save(changed: boolean): Promise<ConfigProblem[]> {
    if (!changed && this.last !== '') return [];
    const dump = await this.client.send('show servers state').catch((err: Error) => err);
    // Version 1 is the only format HAProxy 1.6-3.x writes and reads; anything else is not a dump to keep.
    if (dump instanceof Error || !dump.startsWith('1\n')) {
      return [{ vs: '*', message: `server-state-file ${this.file} not written: show servers state gave ${dump instanceof Error ? dump.message : JSON.stringify(dump.slice(0, 80))}` }];
    }
    // The dump's time-since-last-change column moves every second; HAProxy ignores it at load, so it decides nothing here.
    const stable = dump.replace(/^(\d+ \S+ \d+ \S+ \S+ \d+ \d+ \d+ \d+ )\d+ /gm, '$1');
    if (stable === this.last) return [];
    try {
      await writeFileAtomic(this.file, dump, 0o644);
      this.last = stable;
      return [];
    } catch (err) {
      return [{ vs: '*', message: `server-state-file ${this.file} not written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }];
    }
  }
}
