import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { every, realTimers, type Timers } from '../lib/timers.js';
import { encodeHolds, parseHolds, type AdminEntry } from './admin-store.js';
import type { ServerRecord } from './server-table.js';

/**
 * Written only while the caller's lease is the one in Redis (a paused
 * leader that woke without it writes nothing), and never over a document
 * this rsguard cannot read (a newer rsguard's holds are not lost to an older one).
 */
const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local cur = redis.call('GET', KEYS[2])
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if not ok or type(doc) ~= 'table' or doc.version ~= 1 or type(doc.holds) ~= 'table' then return -1 end
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

/** How the last write went: `standby` (this process does not hold the lease), `refused` (a document of another version is there), `unreachable`. */
export type HoldsWrite = { ok: true } | { ok: false; why: 'standby' | 'refused' | 'unreachable'; message: string };

/**
 * Operator holds in Redis (distributed mode), `<prefix>:admin`, in the shape
 * the disk file has: every scheduler on the queue reads them at start and
 * on taking over, so a drain set on a leader that dies stays set. Only the
 * leader writes, the whole document at each change; a write that fails is
 * kept and tried again every second until it lands or the lease is lost.
 */
export class RedisHolds {
  readonly key: string;
  private pending: string | undefined;
  private last: HoldsWrite = { ok: true };
  private chain: Promise<unknown> = Promise.resolve();
  private failing = false;
  private refusedSaid = false;
  private readonly stopRetry: () => void;

  constructor(
    private readonly redis: Pick<Redis, 'get' | 'eval'>,
    prefix: string,
    private readonly leaseKey: string,
    /** The lease's value while this process leads (`holder|token`), else undefined. */
    private readonly fence: () => string | undefined,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
    timers: Timers = realTimers,
  ) {
    this.key = `${prefix}:admin`;
    this.stopRetry = every(timers, 1000, () => {
      if (this.pending !== undefined) void this.flush();
    });
  }

  /**
   * The holds in Redis; undefined when there is no document (no leader wrote
   * one yet). Throws when Redis does not answer, and when the document is
   * not one this rsguard reads (said once: it is left as it is).
   */
  async load(): Promise<AdminEntry[] | undefined> {
    const text = await this.redis.get(this.key);
    if (text === null) return undefined;
    try {
      const holds = parseHolds(text);
      this.refusedSaid = false;
      return holds;
    } catch (err) {
      const e = new Error(`${this.key}: ${(err as Error).message}`);
      this.refused(e.message);
      throw e;
    }
  }

  /** Takes the records' holds as the document to write, and writes it. */
  save(records: Iterable<ServerRecord>): Promise<HoldsWrite> {
    this.pending = encodeHolds(records);
    return this.flush();
  }

  /** Writes what is pending (one write at a time, in order); answers how the last write went. */
  flush(): Promise<HoldsWrite> {
    const run = this.chain.then(() => this.writeOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.stopRetry();
    if (this.pending !== undefined) await this.flush();
  }

  private async writeOnce(): Promise<HoldsWrite> {
    const text = this.pending;
    if (text === undefined) return this.last;
    const lease = this.fence();
    if (!lease) return this.notLeading('this scheduler does not hold the leader lease');
    try {
      const r = Number(await this.redis.eval(WRITE, 2, this.leaseKey, this.key, lease, text));
      if (r === 0) return this.notLeading('the leader lease passed to another scheduler');
      if (r < 0) {
        // Kept pending: once an operator removes the document, the next retry writes ours.
        const message = `${this.key} holds a document of another version or shape: left as it is, these holds are not kept in Redis`;
        this.refused(message);
        return (this.last = { ok: false, why: 'refused', message });
      }
      if (this.pending === text) this.pending = undefined;
      this.refusedSaid = false;
      if (this.failing) this.log.info({ key: this.key }, 'drains and maintenance kept in Redis again');
      this.failing = false;
      return (this.last = { ok: true });
    } catch (err) {
      const message = (err as Error).message;
      // Said when it starts failing and when it recovers, not at every retry.
      if (!this.failing) this.log.error({ key: this.key, err: message }, 'drains and maintenance not written to Redis: retried every second; a takeover now would not know the last change');
      this.failing = true;
      return (this.last = { ok: false, why: 'unreachable', message: `Redis: ${message}` });
    }
  }

  /** The leader owns the document: what a standby holds is not written (it reads the leader's on taking over). */
  private notLeading(message: string): HoldsWrite {
    this.pending = undefined;
    this.failing = false;
    return (this.last = { ok: false, why: 'standby', message });
  }

  private refused(message: string): void {
    if (this.refusedSaid) return;
    this.refusedSaid = true;
    this.log.error({ key: this.key, err: message }, 'drains and maintenance in Redis not read or written: not an admin state document of version 1');
  }
}
