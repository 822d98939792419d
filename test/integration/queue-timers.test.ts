import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BullmqQueue } from '../../src/scheduler/bullmq-queue.js';
import type { ProbeOutcome } from '../../src/scheduler/job.js';
import { redisConnection } from '../../src/scheduler/redis-connection.js';
import { RedisStateStore } from '../../src/scheduler/state-store.js';
import { initialCheckState } from '../../src/state/check-state.js';
import { FakeTime } from '../helpers/fake-time.js';

/**
 * The distributed side's periodic work (the state store's flush, the queue's
 * sweep for jobs no worker answered) runs on the injected timers, against the
 * real Redis with a key prefix of its own. Each wait is bounded well below
 * the real period (1 s), so only the virtual tick can make it in time.
 */
const URL = 'redis://127.0.0.1:6379';
const waitUntil = async (pred: () => Promise<boolean> | boolean, what: string, ms = 400) => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('distributed periodic work on the injected timers (real Redis)', () => {
  it('state store: saved states reach Redis on the virtual second, nothing left armed after close', async () => {
    const time = new FakeTime();
    const prefix = `rsguard-record-${randomBytes(4).toString('hex')}`;
    const redis = redisConnection({ kind: 'url', url: URL }, 'record-store');
    const store = new RedisStateStore(redis, prefix, (err) => assert.fail(err), time);
    try {
      await waitUntil(() => redis.status === 'ready', 'redis ready', 5000);
      store.save('c1', initialCheckState({ intervalMs: 1000, timeoutMs: 500, retryIntervalMs: 1000, fall: 1, rise: 1, window: null, alpha: false, flap: null }, time.now));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await redis.hexists(`${prefix}:state:checks`, 'c1'), 0, 'no virtual time passed: not flushed yet');
      time.advance(1000);
      await waitUntil(async () => (await redis.hexists(`${prefix}:state:checks`, 'c1')) === 1, 'flushed after one virtual second');
      await store.close();
      assert.equal(time.pendingCount, 0);
    } finally {
      await redis.del(`${prefix}:state:checks`);
      redis.disconnect();
    }
  });

  it('state store: flush() asked while the periodic flush is in flight returns only once that one landed', async () => {
    const time = new FakeTime();
    const prefix = `rsguard-record-${randomBytes(4).toString('hex')}`;
    const redis = redisConnection({ kind: 'url', url: URL }, 'record-store');
    const other = redisConnection({ kind: 'url', url: URL }, 'record-other');
    const store = new RedisStateStore(redis, prefix, (err) => assert.fail(err), time);
    try {
      await waitUntil(() => redis.status === 'ready' && other.status === 'ready', 'redis ready', 5000);
      store.save('c1', initialCheckState({ intervalMs: 1000, timeoutMs: 500, retryIntervalMs: 1000, fall: 1, rise: 1, window: null, alpha: false, flap: null }, time.now));
      // Writes held in Redis for 300 ms (reads still answered): the periodic flush's HSET waits there, c1 no longer dirty.
      await other.call('CLIENT', 'PAUSE', '300', 'WRITE');
      time.advance(1000);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(await other.hexists(`${prefix}:state:checks`, 'c1'), 0, 'the periodic flush is held');
      // What the balancer fence asks before a write: it must not return before c1 is in Redis.
      await store.flush();
      assert.equal(await other.hexists(`${prefix}:state:checks`, 'c1'), 1, 'flush() returned with the earlier flush still held');
      await store.close();
    } finally {
      await other.call('CLIENT', 'UNPAUSE');
      await redis.del(`${prefix}:state:checks`);
      redis.disconnect();
      other.disconnect();
    }
  });

  it('queue: a job no worker answers is given up on the virtual clock, nothing left armed after close', async () => {
    const time = new FakeTime();
    const prefix = `rsguard-record-${randomBytes(4).toString('hex')}`;
    const conn = redisConnection({ kind: 'url', url: URL }, 'record-q');
    const events = redisConnection({ kind: 'url', url: URL }, 'record-ev');
    const queue = new BullmqQueue(conn, events, prefix, time.clock, () => {}, () => {}, time);
    const outcomes: ProbeOutcome[] = [];
    queue.onOutcome((o) => outcomes.push(o));
    try {
      queue.submit({ id: `c1-${time.now}`, checkId: 'c1', kind: 'tcp', target: { host: '127.0.0.1', port: 1 }, spec: {}, timeoutMs: 500, dueAt: time.now });
      // Past the deadline (timeout + 10 s grace): the next sweep gives it up.
      time.advance(11_000);
      await waitUntil(() => outcomes.length === 1, 'given up after the virtual grace');
      assert.equal(outcomes[0]!.stale, true);
      await queue.close();
      assert.equal(time.pendingCount, 0);
    } finally {
      const keys = await conn.keys(`${prefix}:*`).catch(() => []);
      if (keys.length) await conn.del(...keys).catch(() => 0);
      conn.disconnect();
      events.disconnect();
    }
  });
});
