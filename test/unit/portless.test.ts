import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadYamlText } from '../../src/config/load.js';
import { planIpvs } from '../../src/actuators/ipvs/ipvs-diff.js';
import { NOTHING_OWNED } from '../../src/actuators/ownership.js';
import { parseIpvsSave } from '../../src/actuators/ipvs/ipvs-table.js';

function errors(text: string): string[] {
  try {
    loadYamlText('t.yaml', text);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map(formatIssue);
  }
  return [];
}

describe('fwmark and port-0 services: real servers without a port', () => {
  it('a fwmark real server without a port is port 0 and its check uses the port the check names', () => {
    const m = loadYamlText('t.yaml', 'virtualServices:\n  - fwmark: 6\n    checks: [{ kind: tcp, port: 80 }]\n    realServers: [{ address: 172.16.3.20 }]\n');
    const rs = m.virtualServices[0]!.realServers[0]!;
    assert.equal(rs.key, '172.16.3.20:0');
    assert.equal(rs.port, 0);
    assert.deepEqual(m.checks.get(rs.checkIds[0]!)!.target, { host: '172.16.3.20', port: 80 });
  });
  it('a check that needs a port and has none is refused, naming the check', () => {
    assert.deepEqual(errors('virtualServices:\n  - fwmark: 6\n    checks: [{ kind: tcp }]\n    realServers: [{ address: 172.16.3.20 }]\n'), [
      't.yaml:3:14: virtualServices[0].checks[0]: the real server has no port (fwmark or port-0 service): give this tcp check a port (keepalived connect_port, ldirectord checkport)',
    ]);
  });
  it('icmp needs no port on a port-less real server', () => {
    const m = loadYamlText('t.yaml', 'virtualServices:\n  - fwmark: 6\n    checks: [{ kind: icmp }]\n    realServers: [{ address: 172.16.3.20 }]\n');
    assert.equal(m.checks.size, 1);
  });
  it('port 0 (every port) needs persistence, as ipvsadm does', () => {
    assert.deepEqual(errors('virtualServices:\n  - address: 10.0.0.3:0\n    checks: [{ kind: icmp }]\n    realServers: [{ address: 10.0.0.4 }]\n'), [
      't.yaml:2:14: virtualServices[0].address: port 0 (every port) needs persistence, as IPVS requires',
    ]);
    const m = loadYamlText('t.yaml', 'virtualServices:\n  - address: 10.0.0.3:0\n    persistence: { timeout: 300 }\n    checks: [{ kind: icmp }]\n    realServers: [{ address: 10.0.0.4 }]\n');
    assert.equal(m.virtualServices[0]!.key, 'tcp:10.0.0.3:0');
    assert.equal(m.virtualServices[0]!.realServers[0]!.key, '10.0.0.4:0');
  });
  it('port 0 on a real server of a service with a port is refused', () => {
    assert.deepEqual(errors('virtualServices:\n  - address: 10.0.0.3:80\n    checks: [{ kind: icmp }]\n    realServers: [{ address: 10.0.0.4:0 }]\n'), [
      't.yaml:4:30: virtualServices[0].realServers[0].address: port 0 is only for real servers of a fwmark or port-0 virtual service',
    ]);
  });
  it('ipvsadm commands keep :0, the form `ipvsadm -Sn` prints back, so the next diff is empty', () => {
    const m = loadYamlText('t.yaml', 'virtualServices:\n  - fwmark: 6\n    scheduler: rr\n    checks: [{ kind: icmp }]\n    realServers: [{ address: 172.16.3.20 }]\n');
    const vs = m.virtualServices[0]!;
    const plan = { members: [{ key: '172.16.3.20:0', weight: 1, forwarding: 'dr' as const }] };
    const diff = (table: ReturnType<typeof parseIpvsSave>) => planIpvs([{ vs, plan } as never], table, NOTHING_OWNED, { foreignServers: 'keep', complete: true }).commands;
    const cmds = diff(new Map());
    assert.deepEqual(cmds.map((c) => c.args.join(' ')), ['-A -f 6 -s rr', '-a -f 6 -r 172.16.3.20:0 -g -w 1']);
    const after = parseIpvsSave('-A -f 6 -s rr\n-a -f 6 -r 172.16.3.20:0 -g -w 1\n');
    assert.deepEqual(diff(after), []);
  });
});
