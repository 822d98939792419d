import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { restartNeeded } from '../../src/config/restart-needed.js';

/**
 * Each setting the running daemon keeps as it started with is named when a
 * reload changes it alone; nothing when the same file comes again (a reload
 * of an unchanged file must not warn).
 */
interface Parts {
  global?: string;
  balancer?: string;
  notify?: string;
  queue?: string;
}
const BASE: Required<Parts> = {
  global: 'listen: 127.0.0.1:9100, concurrency: 64, autoReload: false, stateFile: /tmp/a.json',
  balancer: 'kind: ipvs, ipvsadm: ipvsadm, timeout: 2s',
  notify: 'email: { to: [ops@example.com], smtp: { host: 127.0.0.1, port: 25 }, spoolDir: /tmp/spool }',
  queue: 'prefix: a',
};

function model(p: Parts = {}) {
  const o = { ...BASE, ...p };
  return loadYamlText(
    't.yaml',
    `global: { ${o.global} }
balancer: { ${o.balancer} }
notify: { ${o.notify} }
queue: { ${o.queue} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers: [{ address: 10.0.0.2:80 }]
`,
  );
}

const settings = (p: Parts, o?: Parameters<typeof restartNeeded>[2]) => restartNeeded(model(), model(p), o).map((r) => r.setting);

describe('what a reload needs a restart for', () => {
  it('names nothing when the same config comes again', () => {
    assert.deepEqual(restartNeeded(model(), model()), []);
  });

  it('names each start-only setting changed alone, with why', () => {
    const cases: Array<[Parts, string]> = [
      [{ balancer: 'kind: ipvs, ipvsadm: /usr/sbin/ipvsadm, timeout: 2s' }, 'balancer.ipvsadm'],
      [{ balancer: 'kind: ipvs, ipvsadm: ipvsadm, timeout: 3s' }, 'balancer.timeout'],
      [{ balancer: 'kind: none' }, 'balancer.kind'],
      [{ notify: 'email: { to: [other@example.com], smtp: { host: 127.0.0.1, port: 25 }, spoolDir: /tmp/spool }' }, 'notify.email'],
      [{ notify: '' }, 'notify.email'],
      [{ global: 'listen: 127.0.0.1:9101, concurrency: 64, autoReload: false, stateFile: /tmp/a.json' }, 'global.listen'],
      [{ queue: 'prefix: a, redis: "redis://127.0.0.1:6379"' }, 'queue.redis'],
      [{ queue: 'prefix: b' }, 'queue.prefix'],
      [{ queue: 'prefix: a, leaseTime: 20s' }, 'queue.leaseTime'],
      [{ global: 'listen: 127.0.0.1:9100, concurrency: 8, autoReload: false, stateFile: /tmp/a.json' }, 'global.concurrency'],
      [{ global: 'listen: 127.0.0.1:9100, concurrency: 64, autoReload: false, stateFile: /tmp/b.json' }, 'global.stateFile'],
      [{ global: 'listen: 127.0.0.1:9100, concurrency: 64, autoReload: true, stateFile: /tmp/a.json' }, 'global.autoReload'],
    ];
    for (const [change, setting] of cases) {
      const found = restartNeeded(model(), model(change));
      assert.deepEqual(found.map((r) => r.setting), [setting], JSON.stringify(change));
      assert.ok(found[0]!.why.length > 10, `${setting} says why`);
    }
  });

  it('leaves out what only the other mode reads: the queue prefix and lease in embedded mode, the probe pool in distributed mode', () => {
    const prefix = { queue: 'prefix: b, leaseTime: 20s' };
    const pool = { global: 'listen: 127.0.0.1:9100, concurrency: 8, autoReload: false, stateFile: /tmp/a.json' };
    assert.deepEqual(settings(prefix, { mode: 'embedded' }), []);
    assert.deepEqual(settings(prefix, { mode: 'distributed' }), ['queue.prefix', 'queue.leaseTime']);
    assert.deepEqual(settings(pool, { mode: 'distributed' }), []);
    assert.deepEqual(settings(pool, { mode: 'embedded' }), ['global.concurrency']);
  });

  it('leaves out the balancer settings the actuator took live, and the listen address --listen overrides', () => {
    const two = { balancer: 'kind: ipvs, ipvsadm: ipvsadm, timeout: 2s, cleanStop: false, foreignServers: remove' };
    assert.deepEqual(settings(two), ['balancer.cleanStop', 'balancer.foreignServers']);
    assert.deepEqual(settings(two, { liveBalancer: ['cleanStop', 'foreignServers', 'timeouts', 'syncDaemon'] }), []);
    assert.deepEqual(settings(two, { liveBalancer: ['cleanStop'] }), ['balancer.foreignServers']);
    assert.deepEqual(settings({ global: 'listen: 127.0.0.1:9101, concurrency: 64, autoReload: false, stateFile: /tmp/a.json' }, { listenFromCommandLine: true }), []);
  });

  it('names the repair interval never: the pool keeper takes it on every reload', () => {
    assert.deepEqual(settings({ balancer: 'kind: ipvs, ipvsadm: ipvsadm, timeout: 2s, reconcileInterval: 5s' }), []);
  });
});
