import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noActuator } from '../../src/actuators/none/index.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadYamlText } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import { CheckWeights } from '../../src/engine/check-weights.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { PoolKeeper } from '../../src/engine/pool-keeper.js';
import { createLogger } from '../../src/log.js';
import type { ProbeResult } from '../../src/probes/types.js';
import { applyResult, initialCheckState } from '../../src/state/check-state.js';
import { timing } from '../helpers/timing.js';

const result = (r: Partial<ProbeResult>): ProbeResult => ({ ok: true, durationMs: 1, detail: 'agent says', ...r });

describe('a neutral result (an agent with no up/down, or not reached) holds the state', () => {
  it('no counter, window slot or flap sample moves; the check ran (last check, errors end)', () => {
    const t = timing({ fall: 2, rise: 2 });
    let s = applyResult(initialCheckState(t, 0), t, result({ ok: false, reason: 'status' }), 1).next;
    assert.deepEqual([s.state, s.hardState, s.consecutiveFail], ['down', 'up', 1]);
    const flap = s.flap;
    const n = applyResult(s, t, result({ ok: false, neutral: true, reason: 'refused', detail: 'agent not reached' }), 2);
    assert.deepEqual(n.transitions, {});
    assert.deepEqual([n.next.state, n.next.hardState, n.next.consecutiveFail, n.next.flap], ['down', 'up', 1, flap]);
    assert.deepEqual([n.next.lastCheck?.at, n.next.lastCheck?.detail, n.next.results], [2, 'agent not reached', 2]);
    // The next real failure is the second in a row: the neutral one did not break the run.
    s = applyResult(n.next, t, result({ ok: false, reason: 'status' }), 3).next;
    assert.equal(s.hardState, 'down');
    const err = applyResult(s, t, { ok: false, durationMs: 0, detail: 'x', reason: 'error', error: 'descriptors' }, 4).next;
    const back = applyResult(err, t, result({ neutral: true }), 5);
    assert.deepEqual([back.transitions, back.next.checkError, back.next.hardState], [{ error: 'stop' }, null, 'down']);
  });
});

describe("the agent's percentage as HAProxy applies it (server_parse_weight_change_request)", () => {
  const rs = (weight: number) => ({ key: 'k', host: '10.0.0.2', port: 80, weight, forwarding: 'nat' as const, checkIds: ['c'] });
  const weightFor = (weight: number, r: Partial<ProbeResult>) => {
    const w = new CheckWeights();
    w.set('c', w.next('c', result(r))!);
    return w.effective(rs(weight));
  };
  const table: Array<[weight: number, percent: number, agent: number, queue: number]> = [
    // configured weight, N%, as an agent's (rounded down, 256 at most), as weightByQueue's (rounded up)
    [1, 50, 0, 1],
    [3, 50, 1, 2],
    [10, 75, 7, 8],
    [3, 150, 4, 5],
    [10, 25600, 256, 2560],
    [200, 200, 256, 400],
    [1000, 100, 1000, 1000],
    [1000, 200, 1000, 2000],
    [10, 0, 0, 0],
  ];
  for (const [weight, percent, agent, queue] of table) {
    it(`${percent}% of weight ${weight}: ${agent} from an agent, ${queue} from weightByQueue`, () => {
      assert.equal(weightFor(weight, { weightPercent: percent, weightPercentAs: 'haproxy-agent' }), agent);
      assert.equal(weightFor(weight, { weightPercent: percent }), queue);
    });
  }
  it('a later result without a percentage keeps the percentage and how it applies', () => {
    const w = new CheckWeights();
    w.set('c', w.next('c', result({ weightPercent: 50, weightPercentAs: 'haproxy-agent' }))!);
    assert.equal(w.next('c', result({})), undefined);
    assert.equal(w.effective(rs(3)), 1);
  });
});

const MODEL = (agent = true) =>
  loadYamlText(
    'agent.yaml',
    `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    realServers:
      - address: 10.0.0.2:80
        weight: 10
        checks: ${agent ? '[{ kind: agent, port: 9999 }]' : '[{ kind: tcp }]'}
      - address: 10.0.0.3:80
        checks: [{ kind: tcp }]
`,
  );

function setup(model: Model) {
  const events: MonitorEvent[] = [];
  /** Each hard transition with the admin hold the server had when it was told. */
  const hard: string[] = [];
  let keeper!: PoolKeeper;
  const emit = (e: MonitorEvent) => {
    events.push(e);
    if (e.type === 'server-hard') hard.push(`${e.to}:${monitor.serverRecord(e.server.vs, e.server.rs)?.admin?.mode ?? 'none'}`);
    keeper?.onEvent(e);
  };
  const monitor: Monitor = new Monitor(model, emit);
  keeper = new PoolKeeper(monitor, noActuator, emit, createLogger('fatal'), Date.now, 0);
  monitor.onAdminAsked = (vs, rs, ask) => keeper.agentAdmin(vs, rs, ask);
  const agentId = [...model.checks.values()].find((c) => c.kind === 'agent')?.id ?? '';
  const record = () => monitor.serverRecord(model.virtualServices[0]!.key, '10.0.0.2:80')!;
  return { monitor, keeper, hard, agentId, record };
}

describe("the agent's drain, maint and ready: holds of source agent", () => {
  it('drain and maint hold the server, said once; ready ends them; the maint is on the record before the down it came with', () => {
    const { monitor, keeper, hard, agentId, record } = setup(MODEL());
    keeper.start();
    let changes = 0;
    keeper.onAdminChange = () => changes++;
    monitor.apply(agentId, result({ admin: 'drain', neutral: true }), 1);
    assert.deepEqual([record().admin?.mode, record().admin?.source, record().admin?.by, changes], ['drain', 'agent', 'agent 9999', 1]);
    const at = record().admin!.at;
    monitor.apply(agentId, result({ admin: 'drain', neutral: true }), 2);
    assert.deepEqual([record().admin!.at, changes], [at, 1]);
    monitor.apply(agentId, result({ ok: false, reason: 'status', admin: 'maint', detail: 'agent says down maint' }), 3);
    assert.deepEqual([hard, record().admin?.reason, changes], [['down:maint'], 'agent says down maint', 2]);
    monitor.apply(agentId, result({ admin: 'ready' }), 4);
    assert.deepEqual([hard, record().admin, record().hardState, changes], [['down:maint', 'up:none'], null, 'up', 3]);
    monitor.apply(agentId, result({ admin: 'ready' }), 5);
    assert.equal(changes, 3);
  });

  it("an operator's hold stands: the agent neither replaces nor ends it; the file of maintenancedir replaces the agent's", () => {
    const { monitor, keeper, agentId, record } = setup(MODEL());
    keeper.start();
    const vs = monitor.current.virtualServices[0]!.key;
    keeper.setAdmin(vs, '10.0.0.2:80', 'maint', true, '127.0.0.1', 'deploy');
    monitor.apply(agentId, result({ admin: 'drain', neutral: true }), 1);
    monitor.apply(agentId, result({ admin: 'ready', neutral: true }), 2);
    assert.deepEqual([record().admin?.mode, record().admin?.source], ['maint', 'api']);
    keeper.setAdmin(vs, '10.0.0.2:80', 'maint', false, '127.0.0.1', null);
    monitor.apply(agentId, result({ admin: 'maint', neutral: true }), 3);
    keeper.setAdmin(vs, '10.0.0.2:80', 'maint', true, null, 'file', 'maintenancedir');
    assert.deepEqual([record().admin?.source], ['maintenancedir']);
  });

  it('a weight asked with down applies (HAProxy takes the weight of any line), and a check error asks nothing', () => {
    const { monitor, agentId, record } = setup(MODEL());
    monitor.apply(agentId, result({ ok: false, reason: 'status', weightPercent: 50, weightPercentAs: 'haproxy-agent' }), 1);
    assert.equal(monitor.effectiveWeight(record().rs), 5);
    monitor.apply(agentId, { ok: false, durationMs: 0, detail: 'late', reason: 'error', error: 'overload', neutral: true, weightPercent: 10, weightPercentAs: 'haproxy-agent', admin: 'maint' }, 2);
    assert.deepEqual([monitor.effectiveWeight(record().rs), record().admin], [5, null]);
  });

  it("a reload that takes the server's agent check away drops the agent's hold (nobody would end it)", () => {
    const { monitor, keeper, agentId, record } = setup(MODEL());
    keeper.start();
    monitor.apply(agentId, result({ admin: 'maint', neutral: true }), 1);
    assert.equal(record().admin?.mode, 'maint');
    const next = MODEL(false);
    monitor.reload(next);
    keeper.onReload(next, 0);
    assert.equal(monitor.serverRecord(next.virtualServices[0]!.key, '10.0.0.2:80')!.admin, null);
  });

  it('a server removed and added back keeps no old agent ask, even when another service still runs that agent check', () => {
    // 10.0.0.2:80 in two services shares the agent check on 9000; in web it also has one on 9001.
    const twoServices = (inWeb: boolean) =>
      loadYamlText(
        'agent.yaml',
        `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    realServers:
      - { address: 10.0.0.3:80, checks: [{ kind: tcp }] }
${inWeb ? '      - { address: 10.0.0.2:80, checks: [{ kind: agent, port: 9000 }, { kind: agent, port: 9001 }] }' : ''}
  - name: api
    address: 10.0.0.1:81
    realServers:
      - { address: 10.0.0.2:80, checks: [{ kind: agent, port: 9000 }] }
`,
      );
    const first = twoServices(true);
    const { monitor, keeper } = setup(first);
    keeper.start();
    const agent = (port: number) => [...first.checks.values()].find((c) => c.kind === 'agent' && c.target.port === port)!.id;
    const web = first.virtualServices[0]!.key;
    monitor.apply(agent(9000), result({ admin: 'maint', neutral: true, detail: 'agent says maint' }), 1);
    assert.equal(monitor.serverRecord(web, '10.0.0.2:80')!.admin?.mode, 'maint');
    for (const m of [twoServices(false), twoServices(true)]) {
      monitor.reload(m);
      keeper.onReload(m, 0);
    }
    assert.equal(monitor.serverRecord(web, '10.0.0.2:80')!.admin, null, 'added back: starts clean');
    // Its other agent asks a drain: that is all it asked since it came back (the old maint of 9000 is not its own).
    monitor.apply(agent(9001), result({ admin: 'drain', neutral: true, detail: 'agent says drain' }), 2);
    assert.deepEqual([monitor.serverRecord(web, '10.0.0.2:80')!.admin?.mode, monitor.serverRecord(web, '10.0.0.2:80')!.admin?.reason], ['drain', 'agent says drain']);
    monitor.apply(agent(9001), result({ admin: 'ready', neutral: true }), 3);
    assert.equal(monitor.serverRecord(web, '10.0.0.2:80')!.admin, null);
  });
});

describe('a tracking server runs its own agent checks', () => {
  const yaml = (checks: string) => `global: { checkDefaults: { interval: 1s, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    realServers:
      - address: 10.0.0.2:80
        weight: 10
        checks: [{ kind: tcp }, { kind: agent, port: 9000 }]
      - address: 10.0.0.3:80
        weight: 10
        track: { server: 10.0.0.2:80 }
        checks: ${checks}
`;

  it("its state follows the tracked server's checks and agent and its own agent; its weight only its own agent's", () => {
    const model = loadYamlText('t.yaml', yaml('[{ kind: agent, port: 9001 }]'));
    const [tracked, tracker] = model.virtualServices[0]!.realServers;
    const byPort = (p: number) => [...model.checks.values()].find((c) => c.kind === 'agent' && c.target.port === p)!.id;
    assert.deepEqual(tracker!.checkIds, [...tracked!.checkIds, byPort(9001)]);
    assert.deepEqual(tracker!.track?.own, [byPort(9001)]);
    const monitor = new Monitor(model, () => {});
    monitor.apply(byPort(9000), result({ weightPercent: 50, weightPercentAs: 'haproxy-agent', neutral: true }), 1);
    assert.deepEqual([monitor.effectiveWeight(tracked!), monitor.effectiveWeight(tracker!)], [5, 10]);
    monitor.apply(byPort(9001), result({ ok: false, reason: 'status', weightPercent: 30, weightPercentAs: 'haproxy-agent' }), 2);
    assert.deepEqual([monitor.effectiveWeight(tracker!), monitor.server(tracker!).hardState, monitor.server(tracked!).hardState], [3, 'down', 'up']);
  });

  it("the tracked server's agent drains the tracker too; its ready leaves the tracker's own agent's drain (HAProxy's IDRAIN and FDRAIN)", () => {
    const model = loadYamlText('t.yaml', yaml('[{ kind: agent, port: 9001 }]'));
    const { monitor, keeper } = setup(model);
    keeper.start();
    const vs = model.virtualServices[0]!.key;
    const byPort = (p: number) => [...model.checks.values()].find((c) => c.kind === 'agent' && c.target.port === p)!.id;
    const holds = () => ['10.0.0.2:80', '10.0.0.3:80'].map((rs) => monitor.serverRecord(vs, rs)!.admin?.mode ?? 'none').join(' ');
    monitor.apply(byPort(9000), result({ admin: 'drain', neutral: true }), 1);
    assert.equal(holds(), 'drain drain');
    monitor.apply(byPort(9001), result({ admin: 'maint', neutral: true }), 2);
    assert.equal(holds(), 'drain maint');
    monitor.apply(byPort(9000), result({ admin: 'ready', neutral: true }), 3);
    assert.equal(holds(), 'none maint');
    monitor.apply(byPort(9001), result({ admin: 'drain', neutral: true }), 4);
    monitor.apply(byPort(9000), result({ admin: 'maint', neutral: true }), 5);
    assert.equal(holds(), 'maint maint');
    monitor.apply(byPort(9000), result({ admin: 'ready', neutral: true }), 6);
    assert.equal(holds(), 'none drain');
    monitor.apply(byPort(9001), result({ admin: 'ready', neutral: true }), 7);
    assert.equal(holds(), 'none none');
  });

  it('any other check beside track is refused, naming track', () => {
    assert.throws(() => loadYamlText('t.yaml', yaml('[{ kind: agent, port: 9001 }, { kind: tcp }]')), (err: unknown) => err instanceof ConfigError && /but agent checks/.test(err.message));
  });
});
