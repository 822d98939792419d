import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BalancerUnavailable, type Actuator, type BalancerCommand, type DesiredService } from '../../src/actuators/actuator.js';
import { dryRun } from '../../src/actuators/dry-run.js';
import { loadYamlText } from '../../src/config/load.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { PoolKeeper } from '../../src/engine/pool-keeper.js';
import { createLogger } from '../../src/log.js';
import { FakeTime } from '../helpers/fake-time.js';

const MODEL = () =>
  loadYamlText(
    'pk.yaml',
    `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    sorryServer: 10.0.0.9:80
    checks: [{ kind: tcp }]
    realServers: [{ address: 10.0.0.2:80 }, { address: 10.0.0.3:80 }]
`,
  );

/**
 * A balancer that plays a script: each plan either fails (unavailable) or
 * returns the desired members as commands; apply records what it got.
 */
class ScriptedActuator implements Actuator {
  readonly kind = 'scripted';
  plans = 0;
  /** When each plan was asked for, on the clock given. */
  readonly planTimes: number[] = [];
  clock: () => number = Date.now;
  readonly applied: string[][] = [];
  /** The virtual services each plan covered. */
  readonly covered: string[][] = [];
  constructor(private readonly script: Array<'fail' | 'ok'>) {}
  async plan(desired: DesiredService[]) {
    this.planTimes.push(this.clock());
    this.covered.push(desired.map((d) => d.vs.name));
    const step = this.script[this.plans++] ?? 'ok';
    if (step === 'fail') throw new BalancerUnavailable('socket refused');
    const commands: BalancerCommand[] = desired.flatMap((d) => d.plan.members.map((m) => ({ vs: d.vs.name, command: `${m.role} ${m.key} ${m.weight}` })));
    return { commands, problems: [] };
  }
  async apply(commands: BalancerCommand[]) {
    this.applied.push(commands.map((c) => c.command));
    return { changes: commands.map((c) => ({ ...c, applied: true })), problems: [] };
  }
  async planStop() {
    return [];
  }
  async activeConnections() {
    return 0;
  }
}

const until = async (pred: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function setup(actuator: Actuator, time?: FakeTime, reconcileIntervalMs = 0, model = MODEL()) {
  const events: MonitorEvent[] = [];
  const log = createLogger('fatal');
  let keeper!: PoolKeeper;
  const emit = (e: MonitorEvent) => {
    events.push(e);
    keeper?.onEvent(e);
  };
  const clock = time?.clock ?? Date.now;
  const monitor = new Monitor(model, emit, clock);
  keeper = new PoolKeeper(monitor, actuator, emit, log, clock, reconcileIntervalMs, time);
  return { monitor, keeper, events };
}

describe('pool keeper with a scripted balancer', () => {
  it('fails static while the balancer is away, then converges once it answers (backoff 0.5 s)', async () => {
    const act = new ScriptedActuator(['fail', 'ok']);
    const { keeper } = setup(act);
    keeper.start();
    await until(() => keeper.balancerStatus().ok === false);
    assert.equal(act.applied.length, 0, 'nothing applied while the balancer is away');
    assert.equal(keeper.appliedWeight('tcp:10.0.0.1:80', '10.0.0.2:80'), undefined);
    await until(() => act.applied.length === 1, 3000);
    assert.deepEqual(act.applied[0], ['real 10.0.0.2:80 1', 'real 10.0.0.3:80 1']);
    assert.equal(keeper.balancerStatus().ok, true);
    assert.equal(keeper.appliedWeight('tcp:10.0.0.1:80', '10.0.0.2:80'), 1);
    await keeper.stop();
  });

  it('a balancer restart told before start reconciles nothing (no plan yet: a complete reconcile of no pool would delete what rsguard made); after start it reapplies', async () => {
    const act = new ScriptedActuator([]);
    const { keeper } = setup(act);
    keeper.balancerRestarted({ why: 'test' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(act.covered, [], 'no reconcile before the first plan');
    keeper.start();
    await until(() => act.applied.length === 1);
    // The same call after start does reconcile (the test could fail): every pool again.
    keeper.balancerRestarted({ why: 'test' });
    await until(() => act.covered.length >= 2);
    assert.deepEqual(act.covered.at(-1), ['web']);
    await keeper.stop();
  });

  it('all down: one replan for the burst, the sorry server in, a sorry-server event once', async () => {
    const act = new ScriptedActuator([]);
    const { monitor, keeper, events } = setup(act);
    keeper.start();
    await until(() => act.applied.length === 1);
    // Every real server fails; the sorry server's own check still passes (it is checked too).
    const sorryChecks = new Set(monitor.current.virtualServices.flatMap((vs) => vs.sorryServer?.checkIds ?? []));
    for (const id of monitor.current.checks.keys()) if (!sorryChecks.has(id)) monitor.apply(id, { ok: false, durationMs: 1, detail: 'refused', reason: 'refused' });
    await until(() => act.applied.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(act.applied.length, 2, 'two transitions in one burst make one reconcile');
    assert.deepEqual(act.applied[1], ['sorry 10.0.0.9:80 1']);
    assert.equal(events.filter((e) => e.type === 'sorry-server' && e.active).length, 1);
    await keeper.stop();
  });

  it('between a reload taking the monitor and the pools (a loop turn later), a new service is not applied without a plan; then it is', async () => {
    const act = new ScriptedActuator([]);
    const { monitor, keeper } = setup(act);
    keeper.start();
    await until(() => act.applied.length === 1);
    const next = loadYamlText('pk.yaml', `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [{ kind: tcp }], realServers: [{ address: 10.0.0.2:80 }] }
  - { name: api, address: 10.0.0.5:80, checks: [{ kind: tcp }], realServers: [{ address: 10.0.0.6:80 }] }
`);
    monitor.reload(next);
    // A full reconcile in that window (a balancer restart, the periodic repair) covers what has a plan: the new service waits.
    keeper.balancerRestarted({});
    await until(() => act.plans === 2);
    assert.deepEqual(act.covered[1], ['web']);
    keeper.onReload(next, 0);
    await until(() => act.plans === 3);
    assert.deepEqual(act.covered[2], ['web', 'api']);
    await keeper.stop();
  });

  it('dry run plans, applies nothing, and records no applied weight', async () => {
    const act = new ScriptedActuator([]);
    const { keeper } = setup(dryRun(act));
    keeper.start();
    await until(() => act.plans === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(act.applied.length, 0);
    assert.equal(keeper.appliedWeight('tcp:10.0.0.1:80', '10.0.0.2:80'), undefined);
    await keeper.stop();
  });

  it('on virtual time: retries back off 0.5, 1, 2 s while the balancer fails, the periodic repair waits the backoff out, then resumes', async () => {
    const time = new FakeTime();
    const act = new ScriptedActuator(['fail', 'fail', 'fail', 'ok']);
    act.clock = time.clock;
    const { keeper } = setup(act, time, 300);
    const settle = () => new Promise((r) => setImmediate(r));
    keeper.start();
    await settle();
    const t0 = time.now;
    for (let i = 0; i < 40; i++) {
      time.advance(100);
      await settle();
    }
    const rel = act.planTimes.map((t) => t - t0);
    // 0 (start), then the backoff schedule only (no periodic tick at 300/600/900 while it fails), then the 300 ms repair cadence.
    assert.deepEqual(rel.slice(0, 4), [0, 500, 1500, 3500]);
    assert.ok(rel.length >= 5 && rel[4]! - rel[3]! <= 400, `periodic repair resumed: ${rel.join(' ')}`);
    await keeper.stop();
  });

  it('a transition reconciles only its own virtual service; start and the periodic repair cover them all', async () => {
    const time = new FakeTime();
    const act = new ScriptedActuator([]);
    const model = loadYamlText(
      'two.yaml',
      `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [{ kind: tcp }], realServers: [{ address: 10.0.0.2:80 }, { address: 10.0.0.3:80 }] }
  - { name: api, address: 10.0.1.1:80, checks: [{ kind: tcp }], realServers: [{ address: 10.0.1.2:80 }] }
`,
    );
    const { monitor, keeper } = setup(act, time, 1000, model);
    const settle = () => new Promise((r) => setImmediate(r));
    keeper.start();
    await settle();
    assert.deepEqual(act.covered, [['web', 'api']]);
    const webCheck = model.virtualServices[0]!.realServers[0]!.checkIds[0]!;
    monitor.apply(webCheck, { ok: false, durationMs: 1, detail: 'refused', reason: 'refused' });
    await until(() => act.covered.length === 2);
    assert.deepEqual(act.covered[1], ['web']);
    assert.deepEqual(act.applied.at(-1), ['real 10.0.0.3:80 1'], 'the dead server left web');
    time.advance(1000);
    await until(() => act.covered.length === 3);
    assert.deepEqual(act.covered[2], ['web', 'api']);
    await keeper.stop();
  });
});

describe('pool keeper stop', () => {
  it('clears every timer it set, the slow-start ramp included', async () => {
    const time = new FakeTime();
    const model = loadYamlText(
      'ramp.yaml',
      `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - { name: web, address: 10.0.0.1:80, slowStart: 10s, checks: [{ kind: tcp }], realServers: [{ address: 10.0.0.2:80, weight: 100 }, { address: 10.0.0.3:80 }] }
`,
    );
    const act = new ScriptedActuator([]);
    const { monitor, keeper } = setup(act, time, 0, model);
    const settle = () => new Promise((r) => setImmediate(r));
    keeper.start();
    await settle();
    const check = model.virtualServices[0]!.realServers[0]!.checkIds[0]!;
    monitor.apply(check, { ok: false, durationMs: 1, detail: 'refused', reason: 'refused' });
    await settle();
    time.advance(1000);
    monitor.apply(check, { ok: true, durationMs: 1, detail: 'open' });
    await until(() => keeper.plan('tcp:10.0.0.1:80')?.ramping === true);
    assert.ok(time.pendingCount > 0, 'the ramp set a timer');
    await keeper.stop();
    assert.equal(time.pendingCount, 0, 'no timer left behind');
  });

  it('waits for the reconcile in flight and returns as soon as it ends, without polling', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const act = new ScriptedActuator([]);
    const plan = act.plan.bind(act);
    act.plan = async (desired) => {
      await gate;
      return plan(desired);
    };
    const { keeper } = setup(act);
    keeper.start();
    let stopped = false;
    const stopping = keeper.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits while a reconcile is in flight');
    open();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(stopped, true, 'stop returned within a few turns of the loop once the reconcile ended');
    await stopping;
  });
});
