import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { importKeepalived } from '../../src/config/import/keepalived.js';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-dup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(text: string): string {
  const file = path.join(dir, `d${n++}.conf`);
  writeFileSync(file, text);
  return file;
}

// Two blocks for one service, as config management tools write them (one block per check).
const TWO = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.1.1 80 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo wlc
  lb_kind NAT
  real_server 10.0.1.1 80 {
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
    }
  }
  real_server 10.0.1.2 80 {
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
`;

describe('several virtual_server blocks for one IPVS service (keepalived 2.2.7: the second add fails with EEXIST, which ipvs_talk ignores)', () => {
  it('load as one service: a real server named in both blocks carries the checks of both; one named once is added', async () => {
    const m = await loadConfig(write(TWO), 'keepalived', { configId: 'x' });
    assert.equal(m.virtualServices.length, 1);
    const vs = m.virtualServices[0]!;
    assert.deepEqual(vs.realServers.map((r) => r.key), ['10.0.1.1:80', '10.0.1.2:80']);
    assert.deepEqual(vs.realServers[0]!.checkIds.map((id) => m.checks.get(id)!.kind), ['tcp', 'http']);
    assert.deepEqual(vs.realServers[1]!.checkIds.map((id) => m.checks.get(id)!.kind), ['tcp']);
    // The first block's scheduler stands: keepalived never applies the second block's service add.
    assert.equal(vs.scheduler, 'rr');
  });
  it('a warning names both lines and the service settings not applied; check-config --strict refuses it', async () => {
    const r = await importKeepalived(write(TWO), 'x');
    assert.deepEqual(r.errors, []);
    const dup = (r.tolerated ?? []).filter((t) => /is also the virtual_server/.test(t.message));
    assert.equal(dup.length, 1);
    assert.equal(dup[0]!.line, 11);
    assert.match(dup[0]!.message, /at line 1\b/);
    assert.match(dup[0]!.message, /scheduler not applied/);
    await assert.rejects(loadConfig(write(TWO), 'keepalived', { configId: 'x', strict: true }), /is also the virtual_server at line 1/);
  });
  it('the same address under another protocol or another port is another service, not merged', async () => {
    const text = TWO.replace('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo wlc', 'virtual_server 10.0.0.1 80 {\n  protocol UDP\n  lb_algo wlc');
    const m = await loadConfig(write(text), 'keepalived', { configId: 'x' });
    assert.equal(m.virtualServices.length, 2);
    const r = await importKeepalived(write(text), 'x');
    assert.equal((r.tolerated ?? []).filter((t) => /is also the virtual_server/.test(t.message)).length, 0);
  });
  it('fwmark blocks merge by mark', async () => {
    const text = TWO.replaceAll('virtual_server 10.0.0.1 80', 'virtual_server fwmark 7').replaceAll('lb_kind NAT', 'lb_kind DR').replaceAll(' 80 {', ' {')
      .replaceAll('      connect_timeout', '      connect_port 80\n      connect_timeout').replace('      url {', '      connect_port 80\n      url {');
    const m = await loadConfig(write(text), 'keepalived', { configId: 'x' });
    assert.equal(m.virtualServices.length, 1);
    assert.equal(m.virtualServices[0]!.realServers.length, 2);
  });
});

describe('a file whose every virtual_server keepalived logs and ignores', () => {
  it('is refused naming the ignored blocks and why (keepalived runs idle on it); a file with no block at all is refused as before', async () => {
    const text = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n}\n';
    const r = await importKeepalived(write(text), 'x');
    assert.ok((r.tolerated ?? []).some((t) => t.line === 1 && /has no real servers - ignoring/.test(t.message)));
    assert.match(r.errors.map((e) => e.message).join('\n'), /every virtual_server \(line 1\) was ignored, as keepalived ignores it/);
    await assert.rejects(loadConfig(write('global_defs {\n  router_id x\n}\n'), 'keepalived', { configId: 'x' }), /no virtual_server and no vrrp_instance block: nothing for rsguard to do/);
  });
});
