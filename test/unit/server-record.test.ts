import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actuator, BalancerCommand, DesiredService } from '../../src/actuators/actuator.js';
import { loadYamlText } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { PoolKeeper } from '../../src/engine/pool-keeper.js';
import { createLogger } from '../../src/log.js';
import type { MailEvent } from '../../src/notify/mail-event.js';
import { MailPolicy } from '../../src/notify/mail-policy.js';
import { notifierServers } from '../../src/notify/notifier.js';
import { FakeTime } from '../helpers/fake-time.js';

/**
 * Everything rsguard knows of one real server lives in its record, which a
 * reload rebuilds from the model: a server removed from a live service and
 * added back later starts clean (not drained, its mails flowing), and what
 * was applied for a removed service is gone.
 */
/** Servers by their last octet; service i lives in 10.0.i.0/24. */
const yaml = (servers: number[], services = ['web']) =>
  `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
${services.map((name, i) => `  - { name: ${name}, address: 10.0.${i}.1:80, checks: [{ kind: tcp }], realServers: [${servers.map((s) => `{ address: 10.0.${i}.${s}:80 }`).join(', ')}] }`).join('\n')}
`;
const model = (servers: number[], services?: string[]) => loadYamlText('rec.yaml', yaml(servers, services));
const WEB = 'tcp:10.0.0.1:80';

/** Applies every plan as asked: what the pool keeper writes is all this test looks at. */
class Accepting implements Actuator {
  readonly kind = 'accepting';
  async plan(desired: DesiredService[]) {
    const commands: BalancerCommand[] = desired.flatMap((d) => d.plan.members.map((m) => ({ vs: d.vs.name, command: `${m.key} ${m.weight}` })));
    return { commands, problems: [] };
  }
  async apply(commands: BalancerCommand[]) {
    return { changes: commands.map((c) => ({ ...c, applied: true })), problems: [] };
  }
  async planStop() {
    return [];
  }
  async activeConnections() {
    return 0;
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(first: Model) {
  const time = new FakeTime();
  const events: MonitorEvent[] = [];
  let keeper: PoolKeeper | undefined;
  const emit = (e: MonitorEvent) => {
    events.push(e);
    keeper?.onEvent(e);
  };
  const monitor = new Monitor(first, emit, time.clock);
  keeper = new PoolKeeper(monitor, new Accepting(), emit, createLogger('fatal'), time.clock, 0, time);
  const reload = async (next: Model) => {
    monitor.reload(next);
    keeper!.onReload(next, 0);
    await settle();
  };
  return { monitor, keeper, events, reload, time };
}

describe('one record per real server, rebuilt on reload', () => {
  it('a drained server removed from its live service and added back starts undrained, in the pool at its weight', async () => {
    const { keeper, reload } = setup(model([2, 3]));
    keeper.start();
    await settle();
    keeper.setDrain(WEB, '10.0.0.2:80', true);
    await settle();
    // The drain could take hold: weight 0, kept in the table.
    assert.equal(keeper.plan(WEB)?.members.find((m) => m.key === '10.0.0.2:80')?.weight, 0);
    await reload(model([3]));
    await reload(model([2, 3]));
    assert.deepEqual([...keeper.drained(WEB)], []);
    assert.equal(keeper.plan(WEB)?.members.find((m) => m.key === '10.0.0.2:80')?.weight, 1);
    await keeper.stop();
  });

  it('a drain keeps its source, who and when, and survives a reload that keeps the server', async () => {
    const { monitor, keeper, reload, time } = setup(model([2, 3]));
    keeper.start();
    await settle();
    keeper.setDrain(WEB, '10.0.0.2:80', true, '192.0.2.7');
    const set = { mode: 'drain', source: 'api', by: '192.0.2.7', at: time.now, reason: null };
    assert.deepEqual(monitor.serverRecord(WEB, '10.0.0.2:80')?.admin, set);
    time.advance(5000);
    await reload(model([2, 3, 4]));
    assert.deepEqual(monitor.serverRecord(WEB, '10.0.0.2:80')?.admin, set);
    assert.deepEqual([...keeper.drained(WEB)], ['10.0.0.2:80']);
    keeper.setDrain(WEB, '10.0.0.2:80', false);
    assert.equal(monitor.serverRecord(WEB, '10.0.0.2:80')?.admin, null);
    await keeper.stop();
  });

  it('the applied weights of a removed virtual service are forgotten', async () => {
    const { keeper, reload } = setup(model([2], ['web', 'api']));
    keeper.start();
    await settle();
    const API = 'tcp:10.0.1.1:80';
    // Applied once: the balancer holds api's server at weight 1.
    assert.equal(keeper.appliedWeight(API, '10.0.1.2:80'), 1);
    await reload(model([2], ['web']));
    assert.equal(keeper.appliedWeight(API, '10.0.1.2:80'), undefined, 'a removed service has no applied weight');
    await keeper.stop();
  });

  it("the read side takes a service's holds and applied weights from its records in one look-up, following reloads", async () => {
    const first = model([2, 3]);
    const { monitor, keeper, reload } = setup(first);
    keeper.start();
    await settle();
    keeper.setDrain(WEB, '10.0.0.3:80', true, null);
    await settle();
    const vs = first.virtualServices[0]!;
    // The table's own array: no key built per server, no allocation per request.
    assert.equal(keeper.serverRecords(vs), monitor.table.service(WEB)!.servers);
    assert.deepEqual(keeper.serverRecords(vs).map((r) => [r?.admin?.mode ?? null, r?.applied]), [[null, 1], ['drain', 0]]);
    // The model a reader still holds while a reload is half done: by key, in that model's order.
    await reload(model([3, 4]));
    assert.deepEqual(keeper.serverRecords(vs).map((r) => r?.admin?.mode ?? null), [null, 'drain']);
    assert.equal(keeper.serverRecords(vs)[0], undefined, 'a server the table no longer holds');
    await keeper.stop();
  });

  it('a server removed while flapping and added back gets its DOWN and UP mails again', async () => {
    const first = model([2, 3]);
    const { monitor, events, reload } = setup(first);
    const servers = notifierServers(monitor.table);
    const policy = new MailPolicy(() => monitor.current, servers.silenced);
    const mails = (from: number): MailEvent[] => events.slice(from).flatMap((e) => policy.toMail(e));
    const checkOf = (m: Model) => m.virtualServices[0]!.realServers[0]!.checkIds[0]!;
    // Alternating results: a hard transition each, until flap detection calls it flapping.
    let ok = false;
    for (let i = 0; i < 21 && !events.some((e) => e.type === 'server-flapping' && e.flapping); i++) monitor.apply(checkOf(first), { ok: (ok = !ok), durationMs: 1, detail: ok ? 'open' : 'refused' });
    const flapping = mails(0);
    assert.ok(flapping.some((m) => m.kind === 'flapping-start'), 'it did flap');
    // While flapping, its transitions send no mail.
    let from = events.length;
    monitor.apply(checkOf(first), { ok: (ok = !ok), durationMs: 1, detail: 'x' });
    assert.ok(events.slice(from).some((e) => e.type === 'server-hard'));
    assert.deepEqual(mails(from).filter((m) => m.kind === 'rs-down' || m.kind === 'rs-up'), []);
    await reload(model([3]));
    const back = model([2, 3]);
    await reload(back);
    from = events.length;
    monitor.apply(checkOf(back), { ok: false, durationMs: 1, detail: 'refused', reason: 'refused' });
    monitor.apply(checkOf(back), { ok: true, durationMs: 1, detail: 'open' });
    assert.deepEqual(mails(from).map((m) => m.kind), ['rs-down', 'rs-up']);
  });
});
