import type { Redis } from 'ioredis';
import type { CheckState } from '../state/check-state.js';
import { every, realTimers, type Timers } from '../lib/timers.js';

/**
 * Check states in Redis (distributed mode), so a restarted or standby
 * scheduler carries on where the last one stopped, without a flap. Writes are
 * batched: changed states are flushed together once a second, and before
 * every balancer write (the daemon's fence asks `flush`): a leader killed
 * right after a transition has it in Redis if the balancer shows it, so the
 * scheduler taking over never reads an older state and puts it back.
 */
export class RedisStateStore {
  private readonly dirty = new Map<string, CheckState>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly stopFlush: () => void;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly onError: (err: Error) => void,
    timers: Timers = realTimers,
  ) {
    this.key = `${prefix}:state:checks`;
    this.stopFlush = every(timers, 1000, () => void this.flush());
  }

  async load(ids: Iterable<string>): Promise<Map<string, CheckState>> {
    const list = [...ids];
    const out = new Map<string, CheckState>();
    if (!list.length) return out;
    const values = await this.redis.hmget(this.key, ...list);
    values.forEach((v, i) => {
      if (!v) return;
      try {
        out.set(list[i]!, JSON.parse(v) as CheckState);
      } catch {
        // A value we cannot read is as good as none: that check starts fresh.
      }
    });
    return out;
  }

  save(id: string, state: CheckState): void {
    this.dirty.set(id, state);
  }

  /** Removed checks keep their hash fields: another scheduler on an older config may still use them. */
  retain(): void {}

  /**
   * Writes the changed states. One at a time: a flush asked while the
   * periodic one is in flight waits for it, so when it returns every state
   * changed before the call is in Redis (or failed and is kept dirty).
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    if (!this.dirty.size || this.redis.status !== 'ready') return;
    const batch = [...this.dirty];
    this.dirty.clear();
    try {
      await this.redis.hset(this.key, Object.fromEntries(batch.map(([id, s]) => [id, JSON.stringify(s)])));
    } catch (err) {
      for (const [id, s] of batch) if (!this.dirty.has(id)) this.dirty.set(id, s);
      this.onError(err as Error);
    }
  }

  async close(): Promise<void> {
    this.stopFlush();
    await this.flush();
  }
}
