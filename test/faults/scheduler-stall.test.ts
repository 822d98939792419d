import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { after, describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { BullmqQueue, QUEUE_NAME } from '../../src/scheduler/bullmq-queue.js';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from '../../src/scheduler/job.js';
import { redisConnection } from '../../src/scheduler/redis-connection.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { FakeTime } from '../helpers/fake-time.js';
import { recordFault } from './fault-rows.js';

const N = 64;
const CONFIG = `
global:
  startupSpread: 1s
  checkDefaults: { interval: 1s, timeout: 500ms, fall: 3, rise: 2 }
virtualServices:
  - name: a
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers: [${Array.from({ length: N }, (_, i) => `{ address: 10.0.2.${i + 1}:80 }`).join(', ')}]
`;

/** Answers every probe at once; records what was submitted. */
class InstantQueue implements ProbeQueue {
  jobs: ProbeJob[] = [];
  private handler: (o: ProbeOutcome) => void = () => {};
  constructor(private readonly now: () => number) {}
  submit(job: ProbeJob): void {
    this.jobs.push(job);
    this.handler({ job, result: { ok: true, durationMs: 1, detail: 'ok' }, startedAt: this.now(), finishedAt: this.now() });
  }
  onOutcome(h: (o: ProbeOutcome) => void): void {
    this.handler = h;
  }
  pending(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

describe('after a stall the checks keep their spread, and no probe job carries every check', () => {
  const prefix = `rsguard-stall-${process.pid}`;
  after(async () => {
    const r = redisConnection({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'cleanup');
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });

  it('a 7 s stall: one catch-up round, then the same phases as before; 64 overdue probes go to Redis as 16 jobs of 4, not one of 64', async () => {
    const time = new FakeTime();
    const model = loadYamlText('stall.yaml', CONFIG);
    const q = new InstantQueue(time.clock);
    const scheduler = new Scheduler({ queue: q, clock: time.clock, timers: time, handleOutcome: () => 1000 });
    scheduler.setChecks(model.checks, model.global.startupSpreadMs);
    scheduler.start();
    time.advance(3000);
    const window = (from: number) => q.jobs.filter((j) => j.dueAt >= from && j.dueAt < from + 1000);
    const maxSameMs = (jobs: ProbeJob[]) => Math.max(...[...jobs.reduce((m, j) => m.set(j.dueAt, (m.get(j.dueAt) ?? 0) + 1), new Map<number, number>()).values()]);
    const before = maxSameMs(window(time.now - 1000));
    time.now += 7000;
    time.advance(1);
    const catchUp = q.jobs.filter((j) => j.dueAt < time.now - 1).length;
    time.advance(3000);
    const afterStall = maxSameMs(window(time.now - 1000));
    scheduler.stop();
    assert.ok(catchUp >= N, 'every overdue check ran once the stall ended');
    assert.ok(afterStall <= Math.max(2, before), `after the stall at most ${afterStall} checks share one instant (before: ${before}); in phase all ${N} would`);

    // The catch-up round through the real distributed queue: how the probes travel.
    const conn = redisConnection({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'stall-q');
    const events = redisConnection({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'stall-ev');
    const bq = new BullmqQueue(conn, events, prefix);
    const readConn = redisConnection({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'stall-read');
    const reader = new Queue(QUEUE_NAME, { connection: readConn, prefix });
    try {
      bq.expectChecks(N);
      const now = Date.now();
      for (let i = 0; i < N; i++) bq.submit({ id: `c${i}-${now}`, checkId: `c${i}`, kind: 'tcp', target: { host: '127.0.0.1', port: 1 }, spec: {}, timeoutMs: 500, dueAt: now });
      const jobs = await (async () => {
        for (let i = 0; i < 100; i++) {
          const waiting = await reader.getJobs(['waiting', 'wait', 'prioritized']);
          if (waiting.reduce((n, j) => n + (j.data as { probes: unknown[] }).probes.length, 0) >= N) return waiting;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('probes never reached Redis');
      })();
      const biggest = Math.max(...jobs.map((j) => (j.data as { probes: unknown[] }).probes.length));
      assert.equal(jobs.length, 16, `${jobs.length} jobs`);
      assert.equal(biggest, N / 16, 'no job carries more than a sixteenth of the checks');
      recordFault({ fault: 'scheduler stalled 7 s (SIGSTOP, VM freeze, blocked loop)', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `phases kept (at most ${afterStall} of ${N} checks in one instant after, ${before} before); catch-up round as ${jobs.length} jobs of ${biggest}` });
    } finally {
      await bq.close();
      await reader.close();
      readConn.disconnect();
      conn.disconnect();
      events.disconnect();
    }
  });
});
