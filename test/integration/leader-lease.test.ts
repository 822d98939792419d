import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { realTimers } from '../../src/lib/timers.js';
import { LeaderLease, type LeaseView } from '../../src/scheduler/leader-lease.js';

const REDIS = 'redis://127.0.0.1:6379';

/** A lease whose monotonic clock the test can push forward (a SIGSTOPped process wakes to find time has passed). */
function lease(redis: Redis, prefix: string, ttlMs: number, name: string) {
  let skew = 0;
  const changes: LeaseView[] = [];
  const l = new LeaderLease(redis, { prefix, ttlMs, holder: name, timers: realTimers, now: () => performance.now() + skew, onChange: (v) => changes.push(v) });
  return { l, changes, jump: (ms: number) => (skew += ms) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The leader lease against the real Redis at 127.0.0.1:6379. */
describe('leader lease (real Redis)', () => {
  const conns: Redis[] = [];
  const conn = () => {
    const r = new Redis(REDIS, { maxRetriesPerRequest: 1, lazyConnect: false });
    conns.push(r);
    return r;
  };
  const prefix = () => `rsguard-test-lease-${process.pid}-${Math.random().toString(36).slice(2)}`;
  after(async () => {
    for (const c of conns) c.disconnect();
  });

  it('three schedulers started at once: exactly one leads, the others stand by naming it and its token', async () => {
    const p = prefix();
    const all = ['a', 'b', 'c'].map((n) => lease(conn(), p, 2000, n));
    await Promise.all(all.map(({ l }) => l.round()));
    const leaders = all.filter(({ l }) => l.current().role === 'leader');
    assert.equal(leaders.length, 1);
    const leader = leaders[0]!.l.current();
    assert.ok(leader.token !== undefined && leader.token >= 1);
    assert.ok(leader.remainingMs > 1500 && leader.remainingMs <= 2000, String(leader.remainingMs));
    for (const { l } of all.filter((x) => x !== leaders[0])) {
      const v = l.current();
      assert.equal(v.role, 'standby');
      assert.equal(v.holder, leader.holder);
      assert.equal(v.token, leader.token);
      assert.equal(l.valid(), false);
    }
    await Promise.all(all.map(({ l }) => l.stop()));
  });

  it('a clean stop hands over at once, with a token one higher', async () => {
    const p = prefix();
    const a = lease(conn(), p, 5000, 'a');
    const b = lease(conn(), p, 5000, 'b');
    await a.l.round();
    await b.l.round();
    assert.equal(b.l.current().role, 'standby', 'b could not take a held lease');
    const first = a.l.current().token!;
    await a.l.stop();
    await b.l.round();
    assert.equal(b.l.current().role, 'leader');
    assert.equal(b.l.current().token, first + 1);
    await b.l.stop();
  });

  it('a paused leader: on waking its own clock says the lease is gone, so valid() is false before it asks Redis; the standby takes over after the lease time with a higher token', async () => {
    const p = prefix();
    const ttl = 600;
    const a = lease(conn(), p, ttl, 'a');
    const b = lease(conn(), p, ttl, 'b');
    await a.l.round();
    assert.equal(a.l.valid(), true, 'a leads before the pause');
    // While a is "stopped" (no renewals), b cannot take over until the lease ends in Redis.
    await b.l.round();
    assert.equal(b.l.current().role, 'standby');
    const t0 = performance.now();
    let tookOver = 0;
    for (let i = 0; i < 40 && b.l.current().role !== 'leader'; i++) {
      await sleep(ttl / 4);
      await b.l.round();
      if (b.l.current().role === 'leader') tookOver = performance.now() - t0;
    }
    assert.equal(b.l.current().role, 'leader');
    assert.ok(tookOver >= ttl * 0.5 && tookOver <= ttl + 2000, `takeover after ${tookOver} ms (lease ${ttl} ms)`);
    assert.equal(b.l.current().token, a.l.current().token! + 1);
    // a wakes: its clock ran on while it slept, so it writes nothing, without a round trip.
    assert.equal(a.l.valid(), false);
    assert.equal(a.changes.at(-1)?.role, 'standby');
    await a.l.round();
    assert.equal(a.l.current().holder, 'b');
    await Promise.all([a.l.stop(), b.l.stop()]);
  });

  it('cut off from Redis: the leader acts until its lease lapses by its own clock, then stands down; renewals while connected keep it', async () => {
    const p = prefix();
    const r = conn();
    const a = lease(r, p, 1000, 'a');
    await a.l.round();
    assert.equal(a.l.valid(), true);
    a.jump(600);
    await a.l.round();
    assert.equal(a.l.valid(), true, 'a renewal resets the lease');
    a.jump(600);
    assert.equal(a.l.valid(), true, '1.2 s after the first round but 0.6 s after the renewal');
    r.disconnect();
    await a.l.round();
    assert.equal(a.l.valid(), true, 'a failed renewal does not end a lease that is still running');
    a.jump(500);
    assert.equal(a.l.valid(), false, 'the lease ran out by its own clock');
    assert.equal(a.changes.at(-1)?.role, 'standby');
  });
});
