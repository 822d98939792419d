import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { preprocessLine } from '../../src/config/import/keepalived-parser.js';
import { loadConfig } from '../../src/config/load.js';

describe("keepalived's line preprocessing", () => {
  it('@id lines apply only on that config id; @^id lines everywhere else', () => {
    const ctx = { configId: 'lb1', defs: new Map<string, string>() };
    assert.equal(preprocessLine('@lb1 priority 150', ctx), 'priority 150');
    assert.equal(preprocessLine('@lb2 priority 100', ctx), undefined);
    assert.equal(preprocessLine('@^lb1 priority 100', ctx), undefined);
    assert.equal(preprocessLine('@^lb2 priority 150', ctx), 'priority 150');
  });
  it('$NAME=value defines (the line is no statement); $NAME and ${NAME} are replaced, unknown names left alone', () => {
    const ctx = { configId: 'x', defs: new Map<string, string>() };
    assert.equal(preprocessLine('$VIP=10.0.0.1', ctx), undefined);
    assert.equal(preprocessLine('virtual_server $VIP 80 {', ctx), 'virtual_server 10.0.0.1 80 {');
    assert.equal(preprocessLine('sorry_server ${VIP}0 8080', ctx), 'sorry_server 10.0.0.10 8080');
    assert.equal(preprocessLine('misc_path "/bin/echo $HOME"', ctx), 'misc_path "/bin/echo $HOME"');
  });

  it('a whole file: variables, the host conditionals chosen by --config-id, and an IPv6 range in a virtual_server_group', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-'));
    try {
      const file = path.join(dir, 'keepalived.conf');
      writeFileSync(
        file,
        `$RS=192.168.1.10
$PORT=80
virtual_server_group V6 {
  2001:db8::8-a 80
}
virtual_server group V6 {
  lb_kind DR
  real_server $RS $PORT {
@lb1    weight 3
@^lb1   weight 1
    TCP_CHECK { connect_timeout 2 }
  }
}
`,
      );
      const lb1 = await loadConfig(file, 'keepalived', { configId: 'lb1' });
      assert.deepEqual(lb1.virtualServices.map((v) => v.key), ['tcp:[2001:db8::8]:80', 'tcp:[2001:db8::9]:80', 'tcp:[2001:db8::a]:80']);
      assert.equal(lb1.virtualServices[0]!.realServers[0]!.key, '192.168.1.10:80');
      assert.equal(lb1.virtualServices[0]!.realServers[0]!.weight, 3);
      const lb2 = await loadConfig(file, 'keepalived', { configId: 'lb2' });
      assert.equal(lb2.virtualServices[0]!.realServers[0]!.weight, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
