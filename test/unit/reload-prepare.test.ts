import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import type { Model } from '../../src/model/model.js';
import { initialCheckState } from '../../src/state/check-state.js';
import { FakeTime } from '../helpers/fake-time.js';

/**
 * Issue 22.5: a reload's monitor work is made over several loop turns
 * (prepareReload) and taken in by one synchronous swap (reload). Results,
 * holds and restores go on during those turns: whatever they change must be
 * what the swap carries, and readers see the running model until the swap.
 */
const yaml = (servers: number, check = '{ kind: tcp }', interval = '1s') =>
  `global: { checkDefaults: { interval: ${interval}, fall: 1, rise: 1 } }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [${check}], realServers: [${Array.from({ length: servers }, (_, i) => `{ address: 10.1.${i >> 8}.${i & 255}:80 }`).join(', ')}] }
`;
const model = (servers: number, check?: string, interval?: string) => loadYamlText('prep.yaml', yaml(servers, check, interval));
const VS = 'tcp:10.0.0.1:80';
const RS = '10.1.0.0:80';

function setup(first: Model) {
  const time = new FakeTime();
  const events: MonitorEvent[] = [];
  const monitor = new Monitor(first, (e) => events.push(e), time.clock);
  const checkOf = (m: Model) => m.virtualServices[0]!.realServers[0]!.checkIds[0]!;
  const fail = (m: Model) => monitor.apply(checkOf(m), { ok: false, durationMs: 1, detail: 'refused', reason: 'refused' });
  const pass = (m: Model) => monitor.apply(checkOf(m), { ok: true, durationMs: 1, detail: 'fine' });
  const record = () => monitor.serverRecord(VS, RS)!;
  /** prepareReload, then `during` (the loop turn between the prepare and the swap: the plan is all made), then the swap. */
  const reloadWith = async (next: Model, during: () => void) => {
    let turns = 0;
    await monitor.prepareReload(next, async () => void turns++);
    assert.ok(turns > 0, 'the plan was made over loop turns');
    during();
    monitor.reload(next);
  };
  return { monitor, events, fail, pass, record, reloadWith, checkOf, time };
}

const ups = (events: MonitorEvent[]) => events.filter((e) => e.type === 'server-hard' && e.to === 'up');

describe('a reload prepared over loop turns', () => {
  it('readers see the running model and its table until the swap, which takes the new one in one step', async () => {
    const first = model(3);
    const next = model(4500);
    const { monitor } = setup(first);
    let turns = 0;
    await monitor.prepareReload(next, async () => {
      turns++;
      assert.equal(monitor.current, first);
      assert.equal([...monitor.serverRecords()].length, 3);
    });
    // 4,500 servers with a check each: more than one part of 2,000, each a turn.
    assert.ok(turns >= 4, `${turns} turns`);
    assert.equal(monitor.current, first, 'prepared, not yet swapped');
    monitor.reload(next);
    assert.equal(monitor.current, next);
    assert.equal([...monitor.serverRecords()].length, 4500);
    assert.ok(next.virtualServices[0]!.realServers.every((rs) => monitor.server(rs).hardState === 'up'));
  });

  it('a server that goes hard down while the plan is made: the check replacing its own starts down (no unchecked comeback)', async () => {
    const first = model(2);
    const { fail, record, reloadWith, events, monitor } = setup(first);
    const next = model(2, '{ kind: http, path: /new }');
    await reloadWith(next, () => fail(first));
    assert.equal(record().hardState, 'down');
    assert.equal(monitor.server(next.virtualServices[0]!.realServers[0]!).hardState, 'down');
    assert.deepEqual(ups(events), []);
  });

  it('a server that comes back up while the plan is made: the check replacing its own starts up (no false down)', async () => {
    const first = model(2);
    const { fail, pass, record, reloadWith } = setup(first);
    fail(first);
    assert.equal(record().hardState, 'down');
    await reloadWith(model(2, '{ kind: http, path: /new }'), () => pass(first));
    assert.equal(record().hardState, 'up');
  });

  it('a result meanwhile on a check whose timing changes is the state the new id takes over', async () => {
    const first = model(2);
    const { fail, record, reloadWith, monitor, checkOf } = setup(first);
    const next = model(2, undefined, '2s');
    assert.notEqual(checkOf(next), checkOf(first), 'a new id for the new timing');
    await reloadWith(next, () => fail(first));
    assert.equal(record().hardState, 'down');
    assert.equal(monitor.checkState(checkOf(next))!.consecutiveFail, 1);
  });

  it('a hold set meanwhile stays on the server', async () => {
    const first = model(2);
    const { record, reloadWith, time } = setup(first);
    await reloadWith(model(3), () => {
      record().admin = { mode: 'drain', source: 'api', by: 'admin', at: time.now, reason: 'deploy' };
    });
    assert.equal(record().admin?.mode, 'drain');
  });

  it('a restore meanwhile (taking over the lease) voids the plan: the swap reads the restored table', async () => {
    const first = model(2);
    const { record, reloadWith, monitor, checkOf, time, events } = setup(first);
    const dead = initialCheckState({ ...first.checks.get(checkOf(first))!.timing, alpha: true }, time.now);
    await reloadWith(model(2, '{ kind: http, path: /new }'), () => monitor.restore(new Map([[checkOf(first), dead]])));
    assert.equal(record().hardState, 'down', 'the new check of the restored dead server starts down');
    assert.deepEqual(ups(events), []);
  });
});
