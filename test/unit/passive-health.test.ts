import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServerCounters, type ServerCounters } from '../../src/actuators/haproxy/error-counters.js';
import type { ActivePassiveSpec } from '../../src/actuators/haproxy/passive-spec.js';
import { ConfigError } from '../../src/config/errors.js';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { loadYamlText } from '../../src/config/load.js';
import type { Timing } from '../../src/model/model.js';
import { applyResult, initialCheckState, type CheckState } from '../../src/state/check-state.js';
import { initialTrack, observeRead, type PassiveTrack } from '../../src/engine/passive-window.js';
import { PassiveHealth } from '../../src/engine/passive-health.js';

type Obj = Record<string, unknown>;
const ZERO: ServerCounters = { backend: 'b', server: 's', addr: '10.0.0.2:80', stot: 0, econ: 0, wretr: 0, eresp: 0, hrsp1xx: 0, hrsp2xx: 0, hrsp3xx: 0, hrsp4xx: 0, hrsp5xx: 0 };
const L7: ActivePassiveSpec = { observe: 'layer7', errorLimit: 10, onError: 'mark-down' };

/** Reads in order, each given as what it added to the counters; the windows seen. */
function run(spec: ActivePassiveSpec, adds: Array<Partial<ServerCounters>>): { track: PassiveTrack; trips: Array<string | undefined>; windows: Array<[number, number]> } {
  let track = observeRead(initialTrack(), ZERO, spec).next;
  let now = { ...ZERO };
  const trips: Array<string | undefined> = [];
  const windows: Array<[number, number]> = [];
  for (const add of adds) {
    now = { ...now };
    for (const [k, v] of Object.entries(add)) (now as unknown as Record<string, number>)[k] = (now as unknown as Record<string, number>)[k]! + (v as number);
    const r = observeRead(track, now, spec);
    track = r.next;
    trips.push(r.window.trip);
    windows.push([r.window.errors, r.window.ok]);
  }
  return { track, trips, windows };
}

describe('passive health windows (HAProxy counters read every interval)', () => {
  const cases: Array<{ name: string; spec?: Partial<ActivePassiveSpec>; adds: Array<Partial<ServerCounters>>; trips: boolean[] }> = [
    { name: 'errors without a good answer add up across reads to the limit', adds: [{ hrsp5xx: 4 }, { hrsp5xx: 4 }, { hrsp5xx: 2 }], trips: [false, false, true] },
    { name: 'a good answer in a read ends the run (the errors may have come before it)', adds: [{ hrsp5xx: 9 }, { hrsp5xx: 9, hrsp2xx: 1 }, { hrsp5xx: 9 }], trips: [false, false, false] },
    { name: '4xx answers are good answers, as HAProxy counts them', adds: [{ hrsp5xx: 9 }, { hrsp4xx: 1, hrsp5xx: 5 }], trips: [false, false] },
    { name: 'failed connects, retried or not, and broken responses are errors at layer 7', adds: [{ econ: 3, wretr: 3 }, { eresp: 4 }], trips: [false, true] },
    { name: 'layer 4 does not count 5xx answers', spec: { observe: 'layer4' }, adds: [{ hrsp5xx: 50, stot: 50 }], trips: [false] },
    { name: 'layer 4 counts failed connects', spec: { observe: 'layer4', errorLimit: 3 }, adds: [{ econ: 1, wretr: 2, stot: 3 }], trips: [true] },
    // Measured on HAProxy 2.6: two refused requests with 3 retries each gave stot 8, econ 2, wretr 6.
    { name: 'layer 4: retried attempts are in stot, not good answers', spec: { observe: 'layer4', errorLimit: 20 }, adds: [{ econ: 2, wretr: 6, stot: 8 }, { econ: 2, wretr: 6, stot: 8 }, { econ: 2, wretr: 6, stot: 8 }], trips: [false, false, true] },
    { name: 'acting starts a new run', spec: { errorLimit: 2 }, adds: [{ hrsp5xx: 2 }, { hrsp5xx: 1 }, { hrsp5xx: 1 }], trips: [true, false, true] },
    { name: 'no traffic: no errors, nothing happens', spec: { errorLimit: 1 }, adds: [{}, {}, {}], trips: [false, false, false] },
    { name: 'errorRate: a share of errors over enough answers', spec: { errorRate: { percent: 50, minRequests: 20 } }, adds: [{ hrsp5xx: 6, hrsp2xx: 4 }, { hrsp5xx: 12, hrsp2xx: 8 }], trips: [false, true] },
    { name: 'errorRate: under the share, or too few answers', spec: { errorRate: { percent: 50, minRequests: 20 } }, adds: [{ hrsp5xx: 9, hrsp2xx: 11 }, { hrsp5xx: 9, hrsp2xx: 1 }], trips: [false, false] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(run({ ...L7, ...c.spec } as ActivePassiveSpec, c.adds).trips.map(Boolean), c.trips);
    });
  }

  it('the first read is a baseline; counters that went down (HAProxy restarted) are a new one', () => {
    const spec = { ...L7, errorLimit: 1 };
    const first = observeRead(initialTrack(), { ...ZERO, hrsp5xx: 500 }, spec);
    assert.deepEqual(first.window, { errors: 0, ok: 0 });
    const restarted = observeRead(first.next, { ...ZERO, hrsp5xx: 3 }, spec);
    assert.deepEqual([restarted.window, restarted.next.run], [{ errors: 0, ok: 0 }, 0]);
    assert.ok(observeRead(restarted.next, { ...ZERO, hrsp5xx: 4 }, spec).window.trip);
  });

  it('keeps totals for status', () => {
    const { track } = run(L7, [{ hrsp5xx: 3, hrsp2xx: 7 }, { hrsp5xx: 2 }]);
    assert.deepEqual([track.errors, track.ok, track.run], [5, 7, 2]);
  });
});

describe('on-error actions on the check state (check.c)', () => {
  const timing: Timing = { intervalMs: 1000, retryIntervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3, alpha: false, window: null, flap: null } as unknown as Timing;
  const ok = { ok: true, durationMs: 1, detail: 'ok' };
  const passive = (p: 'fail-check' | 'sudden-death' | 'mark-down') => ({ ok: false, durationMs: 0, detail: 'passive', passive: p });
  const step = (s: CheckState, r: Parameters<typeof applyResult>[2], t = timing) => applyResult(s, t, r, 0).next;
  const fresh = () => initialCheckState(timing, 0);

  it('mark-down: down at once, back after rise passing checks', () => {
    let s = step(fresh(), passive('mark-down'));
    assert.equal(s.hardState, 'down');
    s = step(s, ok);
    assert.equal(s.hardState, 'down');
    assert.equal(step(s, ok).hardState, 'up');
  });
  it('fail-check: one failed check (fall 3: still up after one)', () => {
    const s = step(fresh(), passive('fail-check'));
    assert.deepEqual([s.hardState, s.state, s.consecutiveFail], ['up', 'down', 1]);
  });
  it('sudden-death: one more failure marks it down; with fall 1 it is the last one', () => {
    const s = step(fresh(), passive('sudden-death'));
    assert.deepEqual([s.hardState, s.consecutiveFail], ['up', 2]);
    assert.equal(step(s, { ok: false, durationMs: 1, detail: 'x' }).hardState, 'down');
    assert.equal(step(initialCheckState({ ...timing, fall: 1 }, 0), passive('sudden-death'), { ...timing, fall: 1 }).hardState, 'down');
  });
  it('mark-down under a k-of-n window: the window is all failed', () => {
    const w = { ...timing, window: { size: 4, minOk: 3 } } as Timing;
    let s = step(initialCheckState(w, 0), passive('mark-down'), w);
    assert.equal(s.hardState, 'down');
    for (let i = 0; i < 2; i++) s = step(s, ok, w);
    assert.equal(s.hardState, 'down');
    assert.equal(step(s, ok, w).hardState, 'up');
  });
});

describe('show stat counters', () => {
  it('reads every server of every backend by the header, empty fields as 0', () => {
    const csv = '# pxname,svname,stot,econ,eresp,wretr,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,addr,\nweb,s1,10,1,2,3,,5,,,4,127.0.0.1:81,\nweb,BACKEND,10,1,2,3,,5,,,4,,\n';
    const c = parseServerCounters(csv);
    assert.deepEqual([...c.keys()], ['web/s1']);
    assert.deepEqual(c.get('web/s1'), { backend: 'web', server: 's1', addr: '127.0.0.1:81', stot: 10, econ: 1, wretr: 3, eresp: 2, hrsp1xx: 0, hrsp2xx: 5, hrsp3xx: 0, hrsp4xx: 0, hrsp5xx: 4 });
    assert.throws(() => parseServerCounters('Permission denied\n'), /HAProxy said: Permission denied/);
  });
});

describe('passive health in the config', () => {
  const yaml = (balancer: string, vsExtra: string, rsExtra = '', checks = '[{ kind: tcp }]') => `balancer: ${balancer}
virtualServices:
  - address: 127.0.0.1:80
    ${vsExtra}
    checks: ${checks}
    realServers:
      - { address: 127.0.0.1:81${rsExtra} }
`;
  const issues = (text: string) => {
    try {
      loadYamlText('r.yaml', text);
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  const HA = '{ kind: haproxy, socket: /run/h.sock }';

  it('loads on the service and on a server, with HAProxy defaults', () => {
    const m = loadYamlText('r.yaml', yaml(HA, 'haproxy: { backend: web, passive: { observe: layer7 } }', ', haproxyPassive: { observe: layer4, onError: mark-down }'));
    assert.deepEqual((m.virtualServices[0]!.balancerOptions!.haproxy as Obj).passive, { observe: 'layer7', errorLimit: 10, onError: 'fail-check' });
    assert.deepEqual(m.virtualServices[0]!.realServers[0]!.balancerOptions!.haproxyPassive, { observe: 'layer4', errorLimit: 10, onError: 'mark-down' });
    assert.equal((m.balancer as unknown as { passiveIntervalMs: number }).passiveIntervalMs, 1000);
  });
  it('is refused with another balancer, naming the key', () => {
    assert.deepEqual(issues(yaml('{ kind: none }', 'haproxy: { backend: web, passive: { observe: layer7 } }', ', haproxyPassive: { observe: layer4 }')), [
      "virtualServices[0].haproxy.passive: passive health reads HAProxy's error counters: only with balancer haproxy (this config's balancer is none)",
      "virtualServices[0].realServers[0].haproxyPassive: passive health reads HAProxy's error counters: only with balancer haproxy (this config's balancer is none)",
    ]);
  });
  it('is refused on a server without an active check (nothing could bring it back); observe: none opts out', () => {
    assert.match(issues(yaml(HA, 'haproxy: { backend: web, passive: { observe: layer7 } }', '', '[]')).join('\n'), /server 127\.0\.0\.1:81 has no active check/);
    assert.deepEqual(issues(yaml(HA, 'haproxy: { backend: web, passive: { observe: layer7 } }', ', haproxyPassive: { observe: none }', '[]')), []);
  });
  it('refuses bad values with their field', () => {
    assert.match(issues(yaml(HA, 'haproxy: { backend: web, passive: { observe: layer7, onError: fastinter } }')).join('\n'), /passive\.onError/);
    assert.match(issues(yaml(HA, 'haproxy: { backend: web, passive: { observe: layer7, errorLimit: 0 } }')).join('\n'), /passive\.errorLimit/);
  });
});

describe('importing observe, on-error, error-limit', () => {
  const imp = (body: string) => {
    const r = importHaproxy('h.cfg', `global\n  stats socket /run/h.sock level admin\nbackend b\n${body}\n`);
    const rs = ((r.input.virtualServices as Obj[] | undefined)?.[0]?.realServers as Obj[] | undefined) ?? [];
    return { r, passive: rs.map((s) => s.haproxyPassive) };
  };
  it('server lines and default-server carry it; HAProxy defaults fill in', () => {
    const { r, passive } = imp('  default-server observe layer7 error-limit 3\n  server s1 10.0.0.2:80 check on-error sudden-death\n  server s2 10.0.0.3:80 check observe none\n  server s3 10.0.0.4:80 check observe layer4');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(passive, [{ observe: 'layer7', errorLimit: 3, onError: 'sudden-death' }, undefined, { observe: 'layer4', errorLimit: 3, onError: 'fail-check' }]);
  });
  it('without check it does nothing in HAProxy, and is said to do nothing here', () => {
    const { r, passive } = imp('  server s1 10.0.0.2:80 observe layer7 on-error mark-down');
    assert.deepEqual(passive, [undefined]);
    assert.ok(r.warnings.some((w) => w.startsWith('h.cfg:4: observe, on-error accepted, not acted on')), r.warnings.join('\n'));
  });
  it('on-error fastinter is warned with its line, not imported', () => {
    const { r, passive } = imp('  server s1 10.0.0.2:80 check observe layer7 on-error fastinter');
    assert.deepEqual(passive, [undefined]);
    assert.ok(r.warnings.some((w) => w.startsWith('h.cfg:4: observe layer7 with on-error fastinter not acted on')), r.warnings.join('\n'));
  });
  it('values HAProxy refuses are refused with their line', () => {
    const { r } = imp('  server s1 10.0.0.2:80 check observe layer9 on-error explode error-limit -1');
    assert.deepEqual(r.errors.map((e) => [e.path, e.line]), [['observe', 4], ['on-error', 4], ['error-limit', 4]]);
  });
});

describe('PassiveHealth reads', () => {
  const model = loadYamlText('r.yaml', `balancer: { kind: haproxy, socket: /run/h.sock }
virtualServices:
  - address: 127.0.0.1:80
    haproxy: { backend: web, passive: { observe: layer7, errorLimit: 2, onError: mark-down } }
    checks: [{ kind: tcp }, { kind: agent, port: 9 }]
    realServers:
      - { address: 127.0.0.1:81, haproxyServer: s1 }
      - { address: 127.0.0.1:82 }
`);
  const csv = (e1: number, e2: number) => `# pxname,svname,stot,econ,eresp,wretr,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,addr\nweb,s1,0,0,0,0,0,0,0,0,${e1},127.0.0.1:81\nweb,other,0,0,0,0,0,0,0,0,${e2},127.0.0.1:82\n`;
  const setup = (replies: Array<string | Error>) => {
    const applied: Array<[string, string | undefined]> = [];
    const warned: string[] = [];
    const target = {
      current: model,
      serverRecord: () => ({ hardState: 'up' as const }),
      check: (id: string) => model.checks.get(id),
      apply: (id: string, r: { passive?: string }) => void applied.push([model.checks.get(id)!.kind, r.passive]),
    };
    const read = async () => {
      const r = replies.shift()!;
      if (r instanceof Error) throw r;
      return r;
    };
    return { applied, warned, p: new PassiveHealth(target as never, read, { warn: (_o, m) => void warned.push(m), info: () => {} }) };
  };

  it('finds servers by name or address, acts on active checks only, and a failed read changes nothing', async () => {
    const { applied, warned, p } = setup([csv(0, 0), new Error('connect ENOENT'), csv(1, 5), csv(3, 5)]);
    await p.tick();
    await p.tick();
    assert.deepEqual(warned, ['passive health cannot read HAProxy counters: nothing changes until it can']);
    await p.tick();
    // 127.0.0.1:82 (found by address as web/other) made 5 errors: mark-down on its tcp check, never its agent.
    assert.deepEqual(applied, [['tcp', 'mark-down']]);
    assert.deepEqual(p.status(model.virtualServices[0]!.key, '127.0.0.1:81'), { observe: 'layer7', errorLimit: 2, onError: 'mark-down', errors: 1, ok: 0, run: 1, lastAction: null, problem: null });
    await p.tick();
    assert.equal(applied.length, 2);
    assert.equal(p.status(model.virtualServices[0]!.key, '127.0.0.1:81')?.lastAction?.why, '3 errors in a row (layer7, error-limit 2)');
  });
});
