import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { benchConfig } from '../../bench/config-input.js';
import { loadYamlText } from '../../src/config/load.js';

/** `npm run bench -- --config FILE`: any config, its real servers moved onto the farm. */
describe('bench --config: a config made into the bench\'s rsguard run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('ldirectord.cf: every real server, in order, on a farm port; checkport, fallback and the IPVS balancer taken out', async () => {
    const cf = file('ldirectord.cf', 'checktimeout=1\ncheckinterval=1\nfallback=10.9.9.9:80\nvirtual=192.0.2.1:80\n\treal=10.0.0.1:80 gate\n\treal=10.0.0.2:80 gate\n\tservice=http\n\trequest="health"\n\treceive="ok"\n\tcheckport=8080\nvirtual=192.0.2.2:80\n\treal=10.0.0.3:80 gate\n\tservice=http\n');
    const c = await benchConfig(cf);
    assert.deepEqual([c.format, c.kind, c.n], ['ldirectord', 'http', 3]);
    const text = c.yaml(23500, [23601, 23602, 23603], 1000);
    const m = loadYamlText('bench.yaml', text);
    assert.deepEqual(m.virtualServices.flatMap((v) => v.realServers.map((r) => `${r.host}:${r.port}`)), ['127.0.0.1:23601', '127.0.0.1:23602', '127.0.0.1:23603']);
    assert.equal(m.balancer.kind, 'none');
    assert.deepEqual([...m.checks.values()].map((k) => [k.kind, k.target.port, k.spec.followRedirects]), [['http', 23601, true], ['http', 23602, true], ['http', 23603, true]], 'checkport would check elsewhere than the farm');
    assert.equal(m.virtualServices.some((v) => v.sorryServer !== null), false);
    assert.deepEqual(YAML.parse(text).global, { listen: '127.0.0.1:23500', logLevel: 'warn', concurrency: 10000, startupSpread: '1000ms', stateFile: false });
    assert.ok(c.removed.includes('balancer') && c.removed.includes('sorry servers') && c.removed.includes("checks' own port"), c.removed.join(', '));
    assert.throws(() => c.yaml(23500, [23601], 1000), /3 real servers, the farm has 1 ports/);
  });

  it('keepalived.conf and haproxy.cfg load the same way; a config whose checks the farm cannot answer is refused by name', async () => {
    const k = await benchConfig(file('keepalived.conf', 'virtual_server 192.0.2.1 80 {\n  delay_loop 1\n  lb_kind DR\n  real_server 10.0.0.1 80 {\n    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n    }\n  }\n}\n'));
    assert.deepEqual([k.format, k.kind, k.n], ['keepalived', 'http', 1]);
    const h = await benchConfig(file('haproxy.cfg', 'defaults\n  timeout check 1s\nbackend b\n  mode tcp\n  server s1 10.0.0.1:80 check\n  server s2 10.0.0.2:80 check\n'));
    assert.deepEqual([h.format, h.kind, h.n], ['haproxy', 'tcp', 2]);
    await assert.rejects(benchConfig(file('mixed.yaml', 'virtualServices:\n  - address: 192.0.2.1:80\n    checks: [{ kind: http }, { kind: smtp }]\n    realServers: [{ address: 10.0.0.1:80 }]\n')), /all http or all tcp; this one has http, smtp/);
  });
});
