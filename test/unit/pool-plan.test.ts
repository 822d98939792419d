import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { VirtualServiceDef } from '../../src/model/model.js';
import { planPool, quorumState, rampedWeight, type ServerHealth } from '../../src/planner/pool-plan.js';

function vs(extra = ''): VirtualServiceDef {
  return loadYamlText(
    'plan.yaml',
    `virtualServices:
  - address: 10.0.0.1:80
    sorryServer: 10.0.0.99:8080
${extra}
    realServers:
      - { address: 10.0.0.2:80, weight: 3 }
      - { address: 10.0.0.3:80, weight: 2 }
      - { address: 10.0.0.4:80, weight: 1, forwarding: nat }
`,
  ).virtualServices[0]!;
}

const up: ServerHealth = { hardState: 'up', upSince: -Infinity };
const down: ServerHealth = { hardState: 'down', upSince: -Infinity };

function states(...h: ServerHealth[]): Map<string, ServerHealth> {
  return new Map(h.map((s, i) => [`10.0.0.${i + 2}:80`, s]));
}

const summary = (p: ReturnType<typeof planPool>) => p.members.map((m) => `${m.key}=${m.weight}${m.role === 'sorry' ? ' sorry' : ''}`);

describe('pool planner', () => {
  const table: Array<{ name: string; extra?: string; servers: ServerHealth[]; drained?: string[]; maint?: string[]; prev?: boolean; members: string[]; sorry: boolean }> = [
    { name: 'all up: configured weights', servers: [up, up, up], members: ['10.0.0.2:80=3', '10.0.0.3:80=2', '10.0.0.4:80=1'], sorry: false },
    { name: 'down and not quiescent: absent', servers: [up, down, up], members: ['10.0.0.2:80=3', '10.0.0.4:80=1'], sorry: false },
    { name: 'down and quiescent: weight 0', extra: '    onDown: quiescent', servers: [up, down, up], members: ['10.0.0.2:80=3', '10.0.0.3:80=0', '10.0.0.4:80=1'], sorry: false },
    { name: 'all down: the sorry server comes in with weight 1', servers: [down, down, down], members: ['10.0.0.99:8080=1 sorry'], sorry: true },
    { name: 'all down, quiescent: zeros stay and the sorry server comes in', extra: '    onDown: quiescent', servers: [down, down, down], members: ['10.0.0.2:80=0', '10.0.0.3:80=0', '10.0.0.4:80=0', '10.0.0.99:8080=1 sorry'], sorry: true },
    { name: 'drained: weight 0, kept', servers: [up, up, up], drained: ['10.0.0.3:80'], members: ['10.0.0.2:80=3', '10.0.0.3:80=0', '10.0.0.4:80=1'], sorry: false },
    { name: 'drained and down (remove): absent', servers: [up, down, up], drained: ['10.0.0.3:80'], members: ['10.0.0.2:80=3', '10.0.0.4:80=1'], sorry: false },
    { name: 'quorum 4 lost: real servers out, sorry in (keepalived)', extra: '    quorum: 4', servers: [down, up, up], members: ['10.0.0.99:8080=1 sorry'], sorry: true },
    { name: 'quorum 4 kept', extra: '    quorum: 4', servers: [up, down, up], members: ['10.0.0.2:80=3', '10.0.0.4:80=1'], sorry: false },
    { name: 'a drained server does not count toward quorum', extra: '    quorum: 4', servers: [up, up, down], drained: ['10.0.0.2:80'], members: ['10.0.0.2:80=0', '10.0.0.99:8080=1 sorry'], sorry: true },
    { name: 'maintenance: out as if down, though its checks pass', servers: [up, up, up], maint: ['10.0.0.3:80'], members: ['10.0.0.2:80=3', '10.0.0.4:80=1'], sorry: false },
    { name: 'maintenance, quiescent: weight 0, kept', extra: '    onDown: quiescent', servers: [up, up, up], maint: ['10.0.0.3:80'], members: ['10.0.0.2:80=3', '10.0.0.3:80=0', '10.0.0.4:80=1'], sorry: false },
    { name: 'a server in maintenance does not count toward quorum', extra: '    quorum: 4', servers: [up, up, down], maint: ['10.0.0.2:80'], members: ['10.0.0.99:8080=1 sorry'], sorry: true },
  ];
  for (const row of table) {
    it(row.name, () => {
      const plan = planPool({ vs: vs(row.extra), servers: states(...row.servers), drained: new Set(row.drained ?? []), maint: new Set(row.maint ?? []), previousQuorumUp: row.prev, now: 0 });
      assert.deepEqual(summary(plan), row.members);
      assert.equal(plan.sorryActive, row.sorry);
    });
  }
  it('keeps forwarding per member', () => {
    const plan = planPool({ vs: vs(), servers: states(up, up, up), drained: new Set(), previousQuorumUp: undefined, now: 0 });
    assert.deepEqual(plan.members.map((m) => m.forwarding), ['dr', 'dr', 'nat']);
  });
  it('without a sorry server, losing quorum changes nothing in the pool', () => {
    const v = { ...vs(), sorryServer: null };
    const plan = planPool({ vs: v, servers: states(down, down, down), drained: new Set(), previousQuorumUp: true, now: 0 });
    assert.deepEqual([plan.members, plan.quorumUp, plan.sorryActive], [[], false, false]);
  });
});

describe('quorum with hysteresis (keepalived)', () => {
  // quorum 4, hysteresis 1: gain at ≥ 5, lose below 3
  const table: Array<[number, boolean | undefined, boolean]> = [
    [4, undefined, true],
    [3, undefined, false],
    [4, false, false],
    [5, false, true],
    [3, true, true],
    [2, true, false],
    [0, true, false],
  ];
  for (const [weight, prev, expected] of table) {
    it(`up weight ${weight}, previously ${prev} → ${expected}`, () => assert.equal(quorumState(weight, 4, 1, prev), expected));
  }
  it('a zero weight sum never has quorum, even with quorum 0', () => assert.equal(quorumState(0, 0, 0, undefined), false));
});

describe('slow start', () => {
  it('ramps linearly to the configured weight, never below 1', () => {
    assert.deepEqual([0, 1, 5_000, 9_999, 10_000, 20_000].map((t) => rampedWeight(100, 0, 10_000, t)), [1, 1, 50, 100, 100, 100]);
  });
  it('leaves weight 0 and disabled slow start alone', () => {
    assert.equal(rampedWeight(0, 0, 10_000, 5000), 0);
    assert.equal(rampedWeight(7, 0, 0, 0), 7);
  });
  it('applies to servers that recovered, not to those up since start', () => {
    const v = vs('    slowStart: 10s');
    const plan = planPool({ vs: v, servers: states({ hardState: 'up', upSince: 1000 }, up, up), drained: new Set(), previousQuorumUp: true, now: 6000 });
    assert.deepEqual(summary(plan), ['10.0.0.2:80=2', '10.0.0.3:80=2', '10.0.0.4:80=1']);
  });
});

describe('a sorry server whose own checks fail', () => {
  it('never stands in; the real servers still up stay in even without quorum', () => {
    const vs = {
      key: 'tcp:10.0.0.1:80', name: 'web', protocol: 'tcp', family: 'inet', host: '10.0.0.1', port: 80, scheduler: 'wrr', forwarding: 'dr', persistence: null,
      sorryServer: { host: '10.0.0.9', port: 80, forwarding: 'dr', checkIds: ['s'] }, onDown: 'remove', slowStartMs: 0, quorum: 5, hysteresis: 0, maxDownFraction: null, intervalMs: 1000,
      realServers: [{ key: '10.0.0.2:80', host: '10.0.0.2', port: 80, weight: 1, forwarding: 'dr', checkIds: ['a'] }],
    } as unknown as Parameters<typeof planPool>[0]['vs'];
    const servers = new Map([['10.0.0.2:80', { hardState: 'up' as const, upSince: -Infinity }]]);
    const alive = planPool({ vs, servers, drained: new Set(), previousQuorumUp: undefined, now: 0, sorryUp: true });
    assert.equal(alive.sorryActive, true, 'quorum 5 is lost: a live sorry server stands in');
    assert.deepEqual(alive.members.map((m) => m.role), ['sorry']);
    const dead = planPool({ vs, servers, drained: new Set(), previousQuorumUp: undefined, now: 0, sorryUp: false });
    assert.equal(dead.sorryActive, false);
    assert.deepEqual(dead.members.map((m) => `${m.role} ${m.key}`), ['real 10.0.0.2:80'], 'the one real server still up serves rather than nothing');
  });
});
