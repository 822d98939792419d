import type { Redis } from 'ioredis';

/**
 * Which transitions were mailed, shared by every scheduler on one queue
 * (distributed mode). A leader killed between its mail and saving the check
 * state leaves the transition to be seen again by the scheduler that takes
 * over: the mail's id (mailEventId) is the same, and this says it went out.
 * Fails open: when Redis does not answer, "not sent" (a mail twice is better
 * than a mail lost).
 */
export interface SentMarks {
  /** Of `ids`, those some scheduler already mailed. */
  sent(ids: readonly string[]): Promise<Set<string>>;
  mark(ids: readonly string[]): Promise<void>;
}

/** A week: longer than any restart or failover that could show the same transition again. */
const KEEP_MS = 7 * 24 * 3600_000;

export function redisSentMarks(redis: Pick<Redis, 'mget' | 'multi'>, prefix: string, keepMs = KEEP_MS): SentMarks {
  const key = (id: string) => `${prefix}:mail-sent:${id}`;
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
      await m.exec();
    },
  };
}
