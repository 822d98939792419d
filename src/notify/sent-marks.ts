import type { Redis } from 'ioredis';
import type { MailEvent } from './mail-event.js';

/**
 * The mail every scheduler on one queue shares (distributed mode), so a
 * takeover neither loses nor repeats a transition's mail:
 * - an outbox: the leader puts each mail event there as it spools it, and
 *   takes it out once the mail is accepted; a scheduler taking over sends
 *   what the dead leader left there (it saved the check state, so the new
 *   leader sees no transition of its own to mail);
 * - sent marks: the ids (mailEventId) of what went out, so a transition seen
 *   again (the leader died after its mail, before the check state reached
 *   Redis) is not mailed twice.
 * Callers fail open: when Redis does not answer, a mail goes out (twice
 * rather than never).
 */
export interface SentMarks {
  /** Of `ids`, those some scheduler already mailed. */
  sent(ids: readonly string[]): Promise<Set<string>>;
  /** Mailed: marked, and out of the outbox. */
  mark(ids: readonly string[]): Promise<void>;
  /** Spooled by the leader, not yet accepted by SMTP. */
  hold(event: MailEvent): Promise<void>;
  /** What is in the outbox (a dead leader's unsent mail, on takeover). */
  outbox(): Promise<MailEvent[]>;
}

/** A week: longer than any restart or failover that could show the same transition again. */
const KEEP_MS = 7 * 24 * 3600_000;

export function redisSentMarks(redis: Pick<Redis, 'mget' | 'multi' | 'hset' | 'hvals' | 'hdel'>, prefix: string, keepMs = KEEP_MS): SentMarks {
  const key = (id: string) => `${prefix}:mail-sent:${id}`;
  const outboxKey = `${prefix}:mail-outbox`;
  return {
    async sent(ids) {
      if (ids.length === 0) return new Set();
      const values = await redis.mget(...ids.map(key));
      return new Set(ids.filter((_, i) => values[i] !== null));
    },
    async mark(ids) {
      if (ids.length === 0) return;
      const m = redis.multi();
      for (const id of ids) m.set(key(id), '1', 'PX', keepMs);
      m.hdel(outboxKey, ...ids);
      await m.exec();
    },
    async hold(event) {
      await redis.hset(outboxKey, event.id, JSON.stringify(event));
    },
    async outbox() {
      const out: MailEvent[] = [];
      const expired: string[] = [];
      for (const v of await redis.hvals(outboxKey)) {
        try {
          const e = JSON.parse(v) as MailEvent;
          if (typeof e?.id !== 'string' || typeof e.kind !== 'string' || typeof e.at !== 'number') continue;
          // Older than the sent marks: it could not be told from a mail already sent, and a week late it is news to nobody.
          if (e.at < Date.now() - keepMs) expired.push(e.id);
          else out.push(e);
        } catch {
          // Not ours to read: left for an operator, never sent as garbage.
        }
      }
      if (expired.length) await redis.hdel(outboxKey, ...expired);
      return out.sort((a, b) => a.at - b.at);
    },
  };
}
