import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig, loadYamlText } from '../../src/config/load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (name: string) => path.join(root, 'test/fixtures/config', name);
const cli = path.join(root, 'dist/src/cli.js');

async function errorsOf(file: string): Promise<string[]> {
  try {
    await loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues.map((i) => formatIssue(i).replace(`${root}/`, ''));
  }
  assert.fail(`${file} loaded without error`);
}

describe('config: every invalid fixture with its exact error', () => {
  const table: Record<string, string[]> = {
    'yaml-syntax.yaml': [
      'test/fixtures/config/invalid/yaml-syntax.yaml:4:11: Nested mappings are not allowed in compact mappings',
      'test/fixtures/config/invalid/yaml-syntax.yaml:4:11: Implicit keys need to be on a single line',
    ],
    'unknown-key.yaml': ['test/fixtures/config/invalid/unknown-key.yaml:4:5: virtualServices[0].shceduler: unknown key "shceduler"'],
    'unknown-check-kind.yaml': ['test/fixtures/config/invalid/unknown-check-kind.yaml:4:15: virtualServices[0].checks[0].kind: unknown check kind; expected one of tcp, http, https, icmp, fpm, exec, smtp, pop, imap, ftp, nntp, dns, udp, file, mysql, pgsql, ldap, radius, sip, http_proxy, grpc, agent'],
    'bad-weight.yaml': ['test/fixtures/config/invalid/bad-weight.yaml:5:17: virtualServices[0].realServers[0].weight: Too big: expected number to be <=65535'],
    'bad-address.yaml': ['test/fixtures/config/invalid/bad-address.yaml:4:18: virtualServices[0].realServers[0].address: expected an IP address (IPv6 in brackets when a port follows), got "10.0.0.300:80"'],
    'bad-duration.yaml': ['test/fixtures/config/invalid/bad-duration.yaml:3:15: global.checkDefaults.interval: expected a duration like 500ms, 2s, 1m or a number of seconds, got "5 seconds"'],
    'bad-regex.yaml': ['test/fixtures/config/invalid/bad-regex.yaml:5:26: virtualServices[0].checks[0].expectBodyRegex: invalid regex: Invalid regular expression: /(unclosed/: Unterminated group'],
    'duplicate-real-server.yaml': ['test/fixtures/config/invalid/duplicate-real-server.yaml:5:18: virtualServices[0].realServers[1].address: duplicate real server 10.0.0.2:80'],
    'address-and-fwmark.yaml': ['test/fixtures/config/invalid/address-and-fwmark.yaml:2:14: virtualServices[0].address: set exactly one of address or fwmark'],
    'no-virtual-services.yaml': ['test/fixtures/config/invalid/no-virtual-services.yaml:3:18: virtualServices: at least one virtual service is needed (or a vrrp section, for a VRRP-only director)'],
    'window.yaml': ['test/fixtures/config/invalid/window.yaml:3:31: virtualServices[0].window.minOk: minOk must not exceed size'],
    'duplicate-key.yaml': ['test/fixtures/config/invalid/duplicate-key.yaml:3:5: Map keys must be unique'],
    'vip-without-port.yaml': ['test/fixtures/config/invalid/vip-without-port.yaml:2:14: virtualServices[0].address: a virtual service address needs a port (or use fwmark; port 0 with persistence for every port)'],
    'not-a-mapping.yaml': ['test/fixtures/config/invalid/not-a-mapping.yaml:1: expected a mapping with global and virtualServices'],
  };
  for (const [name, expected] of Object.entries(table)) {
    it(name, async () => assert.deepEqual(await errorsOf(fixture(`invalid/${name}`)), expected));
  }
  it('a missing file is an error that names it', async () => {
    assert.deepEqual(await errorsOf(fixture('invalid/nope.yaml')), ['test/fixtures/config/invalid/nope.yaml: cannot read: ENOENT']);
  });
});

describe('config: the model of a valid file', () => {
  it('resolves inheritance: check > real server > virtual service > global > built-in', async () => {
    const m = await loadConfig(fixture('valid/full.yaml'));
    const web = m.virtualServices[0]!;
    assert.equal(web.key, 'tcp:192.168.4.15:80');
    const { checkIds: sorryChecks, ...sorry } = web.sorryServer!;
    assert.deepEqual(sorry, { host: '127.0.0.1', port: 8080, forwarding: 'nat' });
    // The sorry server is checked before it stands in: a TCP connect to it by default.
    assert.deepEqual(sorryChecks.map((id) => [m.checks.get(id)!.kind, m.checks.get(id)!.target]), [['tcp', { host: '127.0.0.1', port: 8080 }]]);
    assert.deepEqual(web.persistence, { timeoutMs: 300_000, netmask: '255.255.255.0' });
    const [rs1, rs2] = web.realServers;
    assert.equal(rs2!.port, 80, 'a real server without a port takes the virtual port');
    assert.equal(rs2!.forwarding, 'dr', 'gate means direct routing');
    const http = m.checks.get(rs1!.checkIds[0]!)!;
    assert.equal(http.timing.intervalMs, 2000, 'virtual service interval over global');
    assert.equal(http.timing.timeoutMs, 1000, 'global timeout');
    assert.equal(http.timing.fall, 2);
    assert.deepEqual(http.timing.flap, { low: 10, high: 25 });
    const tcp = m.checks.get(rs2!.checkIds[0]!)!;
    assert.deepEqual(tcp.target, { host: '192.168.4.200', port: 8080 });
    assert.equal(tcp.timing.fall, 5, 'real server fall over global');
    assert.deepEqual(tcp.timing.window, { size: 10, minOk: 7 });
    assert.equal(m.checks.get(rs2!.checkIds[1]!)!.timing.alpha, true);
  });
  it('gives identical checks in different virtual services one id', async () => {
    const m = await loadConfig(fixture('valid/full.yaml'));
    const web = m.virtualServices[0]!.realServers[0]!;
    const shared = m.virtualServices[3]!.realServers[0]!;
    assert.deepEqual(web.checkIds, shared.checkIds);
    // Six for the real servers, one for web's sorry server.
    assert.equal(m.checks.size, 7);
  });
  it('exec checks keep the virtual address, so they are not shared across services', async () => {
    const m = await loadConfig(fixture('valid/full.yaml'));
    const exec = m.checks.get(m.virtualServices[1]!.realServers[0]!.checkIds[0]!)!;
    assert.deepEqual(exec.target, { host: '2001:db8::1', port: 53, vip: '2001:db8::53', vport: 53 });
  });
  it('fwmark services have a key with family and check the configured port', async () => {
    const m = await loadConfig(fixture('valid/full.yaml'));
    const php = m.virtualServices[2]!;
    assert.equal(php.key, 'fwmark:7:inet');
    assert.deepEqual(m.checks.get(php.realServers[0]!.checkIds[0]!)!.target, { host: '10.0.0.11', port: 9000 });
  });
  it('a real server without checks gets a tcp connect; checks: [] means always up', () => {
    const m = loadYamlText('inline.yaml', 'virtualServices:\n  - address: 10.0.0.1:80\n    realServers:\n      - address: 10.0.0.2:80\n      - address: 10.0.0.3:80\n        checks: []\n');
    const [a, b] = m.virtualServices[0]!.realServers;
    assert.equal(m.checks.get(a!.checkIds[0]!)!.kind, 'tcp');
    assert.deepEqual(b!.checkIds, []);
  });
  it('ids are stable across loads, so a reload keeps state', async () => {
    const a = await loadConfig(fixture('valid/full.yaml'));
    const b = await loadConfig(fixture('valid/full.yaml'));
    assert.deepEqual([...a.checks.keys()], [...b.checks.keys()]);
  });
});

describe('rsguard check-config', () => {
  it('exits 0 with a summary for a valid file', () => {
    const r = spawnSync(process.execPath, [cli, 'check-config', fixture('valid/full.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /4 virtual services, 6 real servers, 7 distinct checks \(8 check uses\)/);
  });
  it('exits 1 with the errors and no stack trace for an invalid file', () => {
    const r = spawnSync(process.execPath, [cli, 'check-config', fixture('invalid/bad-weight.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad-weight.yaml:5:17: virtualServices\[0\]\.realServers\[0\]\.weight/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
  });
  it('rsguard run refuses to start on an invalid file', () => {
    const r = spawnSync(process.execPath, [cli, 'run', '-c', fixture('invalid/unknown-key.yaml')], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown key "shceduler"/);
  });
});

describe("an imported sorry server's check", () => {
  it("runs on its real servers' cadence (keepalived puts delay_loop and retry on each checker, not on the virtual)", async () => {
    const m = await loadConfig(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/keepalived/full.conf'), 'keepalived', { configId: 'test' });
    const vs = m.virtualServices.find((v) => v.sorryServer && v.sorryServer.checkIds.length)!;
    const sorry = m.checks.get(vs.sorryServer!.checkIds[0]!)!;
    const real = m.checks.get(vs.realServers[0]!.checkIds[0]!)!;
    assert.deepEqual([sorry.timing.intervalMs, sorry.timing.fall, sorry.timing.rise], [real.timing.intervalMs, real.timing.fall, real.timing.rise]);
  });
});

describe('a sorry server at the virtual\'s own address', () => {
  it('is left unchecked: a connect to it from the director reaches the balancer, which sends it to that very service', async () => {
    // ldirectord.cf fallback=VIP:port (wild/ldirectord/017-network-director-spaces.cf): the director serves the sorry page itself.
    const m = await loadConfig(path.join(root, 'test/fixtures/ldirectord/fallback-vip.cf'), 'ldirectord', { configId: 'test' });
    const vs = m.virtualServices[0]!;
    assert.deepEqual([vs.sorryServer?.host, vs.sorryServer?.port, vs.sorryServer?.checkIds], ['198.51.100.30', 80, []]);
    // Elsewhere, even on the virtual's address at another port, the default connect check stays.
    const other = loadYamlText('inline.yaml', 'virtualServices:\n  - address: 10.0.0.1:80\n    sorryServer: 10.0.0.1:8080\n    realServers: [{ address: 10.0.0.2:80 }]\n');
    assert.equal(other.virtualServices[0]!.sorryServer!.checkIds.length, 1);
  });
});
