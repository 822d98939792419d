import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { Monitor } from '../../src/engine/monitor.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from '../../src/scheduler/job.js';
import { MAX_PER_TICK, nextDue, Scheduler, spreadOffset } from '../../src/scheduler/scheduler.js';
import { FakeTime } from '../helpers/fake-time.js';

/** A queue that records jobs and answers them from a script of per-target verdicts. */
class ScriptedQueue implements ProbeQueue {
  jobs: ProbeJob[] = [];
  verdict: (job: ProbeJob) => boolean = () => true;
  private handler: (o: ProbeOutcome) => void = () => {};
  constructor(private readonly time: FakeTime) {}
  submit(job: ProbeJob): void {
    this.jobs.push(job);
    const now = this.time.now;
    const ok = this.verdict(job);
    this.handler({ job, result: { ok, durationMs: 1, detail: ok ? 'fine' : 'refused', ...(ok ? {} : { reason: 'refused' as const }) }, startedAt: now, finishedAt: now });
  }
  onOutcome(h: (o: ProbeOutcome) => void): void {
    this.handler = h;
  }
  pending(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

const CONFIG = `
global:
  startupSpread: 0
  checkDefaults: { interval: 1s, timeout: 500ms, retryInterval: 200ms, fall: 3, rise: 2 }
virtualServices:
  - name: a
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers: [{ address: 10.0.0.10:80 }, { address: 10.0.0.11:80 }]
  - name: b
    address: 10.0.0.2:80
    checks: [{ kind: tcp }]
    realServers: [{ address: 10.0.0.10:80 }]
`;

function setup(yaml = CONFIG) {
  const time = new FakeTime();
  const model = loadYamlText('test.yaml', yaml);
  const events: MonitorEvent[] = [];
  const monitor = new Monitor(model, (e) => events.push(e), time.clock);
  const queue = new ScriptedQueue(time);
  const scheduler = new Scheduler({ queue, clock: time.clock, timers: time, handleOutcome: (o) => monitor.apply(o.job.checkId, o.result, o.finishedAt) });
  scheduler.setChecks(model.checks, model.global.startupSpreadMs);
  scheduler.start();
  return { time, model, monitor, queue, scheduler, events };
}

describe('scheduler', () => {
  it('runs an identical check used by two virtual services once per round', () => {
    const { time, queue } = setup();
    time.advance(10_000);
    const perTarget = new Map<string, number>();
    for (const j of queue.jobs) perTarget.set(j.target.host, (perTarget.get(j.target.host) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(perTarget), { '10.0.0.10': 11, '10.0.0.11': 11 });
  });
  it('gives one deterministic job id per check and due time', () => {
    const { time, queue } = setup();
    time.advance(3000);
    const ids = queue.jobs.map((j) => j.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const j of queue.jobs) assert.equal(j.id, `${j.checkId}-${j.dueAt}`);
  });
  it('keeps cadence against due times: no drift', () => {
    const { time, queue } = setup();
    time.advance(5000);
    const dues = queue.jobs.filter((j) => j.target.host === '10.0.0.10').map((j) => j.dueAt - 1_000_000);
    assert.deepEqual(dues, [0, 1000, 2000, 3000, 4000, 5000]);
  });
  it('retries at retryInterval while soft, then returns to interval once hard', () => {
    const { time, queue, events } = setup();
    queue.verdict = (j) => j.target.host !== '10.0.0.11';
    time.advance(3000);
    const dues = queue.jobs.filter((j) => j.target.host === '10.0.0.11').map((j) => j.dueAt - 1_000_000);
    // fail at 0 (soft 1), 200 (soft 2), 400 (hard down), then every 1 s
    assert.deepEqual(dues, [0, 200, 400, 1400, 2400]);
    const hard = events.filter((e) => e.type === 'server-hard');
    assert.deepEqual(hard.map((e) => [e.server.vsName, e.server.rs, e.type === 'server-hard' && e.to]), [['a', '10.0.0.11:80', 'down']]);
  });
  it('tells every virtual service that shares a failing check', () => {
    const { time, queue, events } = setup();
    queue.verdict = (j) => j.target.host !== '10.0.0.10';
    time.advance(1000);
    const hard = events.filter((e) => e.type === 'server-hard').map((e) => `${e.server.vsName}/${e.server.rs}`);
    assert.deepEqual(hard.sort(), ['a/10.0.0.10:80', 'b/10.0.0.10:80']);
  });
  it('spreads first checks deterministically over the window', () => {
    const offsets = ['0000000000000000', '8000000000000000', 'ffffffff00000000'].map((id) => spreadOffset(id, 1000));
    assert.deepEqual(offsets, [0, 500, 999]);
    const yaml = CONFIG.replace('startupSpread: 0', 'startupSpread: 1s');
    const { time, queue } = setup(yaml);
    time.advance(999);
    assert.equal(queue.jobs.length, 2, 'every check started within the spread window');
    assert.ok(queue.jobs.every((j) => j.dueAt - 1_000_000 === spreadOffset(j.checkId, 1000)));
  });
  it('a reload keeps state and due times of unchanged checks and drops removed ones', () => {
    // 10.0.0.13 is in b only, so replacing it with 10.0.0.12 removes its check (10.0.0.10 is also in a: it stays).
    const yaml = CONFIG.replace('realServers: [{ address: 10.0.0.10:80 }]', 'realServers: [{ address: 10.0.0.13:80 }]');
    const { time, queue, monitor, scheduler } = setup(yaml);
    queue.verdict = (j) => j.target.host !== '10.0.0.11';
    time.advance(500);
    const failing = monitor.current.virtualServices[0]!.realServers[1]!;
    assert.equal(monitor.server(failing).hardState, 'down');
    assert.equal(scheduler.size(), 3);
    const next = loadYamlText('test.yaml', yaml.replace('10.0.0.13:80', '10.0.0.12:80'));
    monitor.reload(next);
    scheduler.setChecks(next.checks, 0);
    assert.equal(monitor.server(next.virtualServices[0]!.realServers[1]!).hardState, 'down', 'state kept across reload');
    assert.equal(scheduler.size(), 3, 'the removed check is dropped, the new one added');
    queue.jobs.length = 0;
    time.advance(2000);
    const dues = (host: string) => queue.jobs.filter((j) => j.target.host === host).map((j) => j.dueAt - 1_000_000);
    // Kept checks stay on their grid: .10 (up) every 1 s from 0, .11 (hard down at 400) every 1 s from 400; a reset would put both at 500.
    assert.deepEqual(dues('10.0.0.10'), [1000, 2000]);
    assert.deepEqual(dues('10.0.0.11'), [1400, 2400]);
    // The new check starts at the reload (spread 0); the removed one is never run again.
    assert.deepEqual(dues('10.0.0.12'), [500, 1500, 2500]);
    assert.deepEqual(dues('10.0.0.13'), []);
  });
  it('stop() fires nothing more', () => {
    const { time, queue, scheduler } = setup();
    time.advance(100);
    const n = queue.jobs.length;
    scheduler.stop();
    time.advance(10_000);
    assert.equal(queue.jobs.length, n);
  });
});

describe('monitor reload without a flap', () => {
  it('a check whose only change is timing keeps its state', () => {
    const { time, queue, monitor } = setup();
    queue.verdict = (j) => j.target.host !== '10.0.0.11';
    time.advance(500);
    const next = loadYamlText('test.yaml', CONFIG.replace('interval: 1s', 'interval: 2s'));
    monitor.reload(next);
    const rs = next.virtualServices[0]!.realServers[1]!;
    assert.equal(monitor.server(rs).hardState, 'down');
    assert.equal(monitor.checkState(rs.checkIds[0]!)!.consecutiveFail, 3);
  });
  it('a new check on a hard-down server starts down; on an up server, up', () => {
    const { time, queue, monitor } = setup();
    queue.verdict = (j) => j.target.host !== '10.0.0.11';
    time.advance(500);
    const next = loadYamlText('test.yaml', CONFIG.replace('checks: [{ kind: tcp }]\n    realServers: [{ address: 10.0.0.10:80 }, { address: 10.0.0.11:80 }]', 'checks: [{ kind: http, path: /new }]\n    realServers: [{ address: 10.0.0.10:80 }, { address: 10.0.0.11:80 }]'));
    monitor.reload(next);
    const [up, down] = next.virtualServices[0]!.realServers;
    assert.equal(monitor.server(down!).hardState, 'down', 'no unchecked comeback');
    assert.equal(monitor.server(up!).hardState, 'up', 'no spurious failure');
    // the first pass of the new check brings the down server back
    monitor.apply(down!.checkIds[0]!, { ok: true, durationMs: 1, detail: 'HTTP 200' });
    assert.equal(monitor.server(down!).hardState, 'up');
  });
});

describe('scheduler after a stall', () => {
  // 50 checks on 1 s spread over the interval at start: the phases a stall must not collapse.
  const many = `
global:
  startupSpread: 1s
  checkDefaults: { interval: 1s, timeout: 500ms, retryInterval: 200ms, fall: 3, rise: 2 }
virtualServices:
  - name: a
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers: [${Array.from({ length: 50 }, (_, i) => `{ address: 10.0.1.${i + 1}:80 }`).join(', ')}]
`;
  /** The due times of each second's round, as ms within the second. */
  const phases = (jobs: ProbeJob[], from: number, to: number) => new Set(jobs.filter((j) => j.dueAt >= from && j.dueAt < to).map((j) => j.dueAt % 1000));

  it('catches up in one round, then every check keeps its own phase (none at the same instant as all the others)', () => {
    const { time, queue } = setup(many);
    time.advance(3000);
    const before = phases(queue.jobs, time.now - 1000, time.now);
    assert.ok(before.size > 40, `spread at start: ${before.size} distinct phases`);
    // The stall: no timer fires for 5 s (SIGSTOP, a VM freeze), then the clock jumps.
    time.now += 5000;
    const stalledAt = time.now;
    time.advance(1);
    const catchUp = queue.jobs.filter((j) => j.dueAt < stalledAt);
    assert.ok(catchUp.length >= 50, 'every overdue check ran');
    time.advance(3000);
    const after = phases(queue.jobs, time.now - 1000, time.now);
    assert.deepEqual([...after].sort(), [...before].sort(), 'the same phases as before the stall');
    // Every check still runs once a second: caught up within one interval.
    const perCheck = new Map<string, number>();
    for (const j of queue.jobs.filter((j) => j.dueAt >= time.now - 1000)) perCheck.set(j.checkId, (perCheck.get(j.checkId) ?? 0) + 1);
    assert.equal(perCheck.size, 50);
  });

  it('a fault while applying an outcome is reported and the check runs again next interval, keeping its state', () => {
    const time = new FakeTime();
    const model = loadYamlText('test.yaml', CONFIG);
    const events: MonitorEvent[] = [];
    const monitor = new Monitor(model, (e) => events.push(e), time.clock);
    const queue = new ScriptedQueue(time);
    const faults: Array<{ check: string; message: string }> = [];
    let broken = false;
    const scheduler = new Scheduler({
      queue,
      clock: time.clock,
      timers: time,
      handleOutcome: (o) => {
        if (broken) throw new Error('bug in apply');
        return monitor.apply(o.job.checkId, o.result, o.finishedAt);
      },
      onError: (err, check) => faults.push({ check, message: err.message }),
    });
    scheduler.setChecks(model.checks, 0);
    scheduler.start();
    time.advance(2500);
    const healthy = queue.jobs.length;
    assert.ok(healthy >= model.checks.size * 2, `checks ran before the fault: ${healthy} jobs`);
    const upBefore = [...monitor.serverRecords()].filter((r) => r.hardState === 'up').length;
    assert.ok(upBefore > 0, 'servers came up while outcomes applied');

    broken = true;
    queue.verdict = () => false;
    time.advance(5000);
    const during = queue.jobs.length - healthy;
    // Not stuck in flight: every check keeps its 1 s cadence (no retry cadence: the failures were never applied).
    assert.ok(during >= model.checks.size * 4 && during <= model.checks.size * 6, `jobs while apply throws: ${during}`);
    assert.equal(faults.length, during, 'each fault told');
    assert.ok(faults.every((f) => f.message === 'bug in apply' && model.checks.has(f.check)));
    assert.equal([...monitor.serverRecords()].filter((r) => r.hardState === 'up').length, upBefore, 'no server taken down by our own fault');
    assert.equal(events.filter((e) => e.type === 'server-hard' && e.to === 'down').length, 0);

    broken = false;
    time.advance(5000);
    assert.ok(events.some((e) => e.type === 'server-hard' && e.to === 'down'), 'once apply works again, the failures count');
  });

  it('an outcome the state cannot place (no delay: a check a reload has just removed) waits an interval, not a loop turn', () => {
    const time = new FakeTime();
    const model = loadYamlText('test.yaml', CONFIG);
    const queue = new ScriptedQueue(time);
    let known = true;
    const monitor = new Monitor(model, () => {}, time.clock);
    const scheduler = new Scheduler({ queue, clock: time.clock, timers: time, handleOutcome: (o) => (known ? monitor.apply(o.job.checkId, o.result, o.finishedAt) : 0) });
    scheduler.setChecks(model.checks, 0);
    scheduler.start();
    time.advance(1500);
    const before = queue.jobs.length;
    assert.ok(before >= model.checks.size, 'checks ran');
    known = false;
    time.advance(2000);
    // At 1 s per check, at most three more rounds; a zero delay re-ran each check at every timer tick.
    assert.ok(queue.jobs.length - before <= model.checks.size * 3, `jobs in 2 s: ${queue.jobs.length - before}`);
  });

  it('at most MAX_PER_TICK jobs per timer tick: the rest, already due, go a tick later (a loop turn between), due times unchanged', () => {
    // 450 checks all due at once (a reload's first round after a busy loop, or a stall's catch-up).
    const many = `
global:
  startupSpread: 0
  checkDefaults: { interval: 10s, timeout: 1s }
virtualServices:
  - name: a
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers: [${Array.from({ length: 450 }, (_, i) => `{ address: 10.0.${i >> 8}.${i & 255}:80 }`).join(', ')}]
`;
    const model = loadYamlText('many.yaml', many);
    const now = 1_000_000;
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const jobs: ProbeJob[] = [];
    const queue: ProbeQueue = { submit: (j) => void jobs.push(j), onOutcome: () => {}, pending: () => 0, close: async () => {} };
    const scheduler = new Scheduler({ queue, clock: () => now, timers: { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => {} }, handleOutcome: () => 10_000 });
    scheduler.setChecks(model.checks, 0);
    scheduler.start();
    const perTick: number[] = [];
    while (timers.length) {
      const t = timers.shift()!;
      assert.equal(t.ms, 0, 'the rest are due: the next tick at once');
      const before = jobs.length;
      t.fn();
      perTick.push(jobs.length - before);
    }
    assert.deepEqual(perTick, [MAX_PER_TICK, MAX_PER_TICK, 450 - 2 * MAX_PER_TICK]);
    assert.equal(new Set(jobs.map((j) => j.checkId)).size, 450, 'each check once');
    assert.ok(jobs.every((j) => j.dueAt === now), 'due times kept');
  });

  it('nextDue: on the grid, never in the past, at most one interval ahead', () => {
    assert.equal(nextDue(1000, 1000, 1500), 2000, 'on time');
    assert.equal(nextDue(1000, 1000, 7300), 8000, 'after a stall: the next point of its own grid');
    assert.equal(nextDue(1000, 1000, 8000), 8000);
    assert.equal(nextDue(1000, 0, 5000), 5000);
  });
});
