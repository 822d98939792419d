import assert from 'node:assert/strict';
import type { IpvsDef } from '../../src/actuators/ipvs/index.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig, loadYamlText } from '../../src/config/load.js';
import type { CheckDef, Model } from '../../src/model/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fx = (p: string) => path.join(root, 'test/fixtures', p);
const cli = path.join(root, 'dist/src/cli.js');

function checksOf(m: Model, vsName: string, rsKey: string): CheckDef[] {
  const vs = m.virtualServices.find((v) => v.name === vsName)!;
  return vs.realServers.find((r) => r.key === rsKey)!.checkIds.map((id) => m.checks.get(id)!);
}

async function errorsOf(file: string): Promise<string[]> {
  try {
    await loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => formatIssue(i).replace(`${root}/`, ''));
  }
  assert.fail('loaded without error');
}

/** Everything in a model that the balancer and the checks depend on (not where it came from). */
function essence(m: Model) {
  return { balancer: m.balancer, global: m.global, virtualServices: m.virtualServices, checks: [...m.checks.values()] };
}

/** The sorry server as the importer set it, without its check ids (they are the sorry server's own checks, tested in config.test). */
function sorryOf(s: { checkIds: string[] } | null): Omit<NonNullable<typeof s>, 'checkIds'> | null {
  if (!s) return null;
  const { checkIds: _ids, ...rest } = s;
  return rest;
}

describe('keepalived.conf: the seeds', () => {
  it('TCP_CHECK: down after retry+1 failures, delay_before_retry apart; up after one success; every delay_loop', async () => {
    const m = await loadConfig(fx('keepalived/seed-tarena-lvs.conf'));
    assert.equal(m.format, 'keepalived');
    const vs = m.virtualServices[0]!;
    assert.deepEqual([vs.key, vs.scheduler, vs.forwarding, vs.onDown], ['tcp:192.168.4.15:80', 'wrr', 'dr', 'remove']);
    assert.deepEqual(vs.realServers.map((r) => [r.key, r.weight]), [['192.168.4.100:80', 1], ['192.168.4.200:80', 2]]);
    const [c] = checksOf(m, vs.name, '192.168.4.100:80');
    // nb_get_retry 3 in its TCP_CHECK is no TCP_CHECK keyword (check_tcp.c registers only the common ones; keepalived 2.2.7 -t:
    // "Unknown keyword 'nb_get_retry'"): retry stays 1, so down after 2 failures.
    assert.deepEqual([c!.kind, c!.timing.intervalMs, c!.timing.timeoutMs, c!.timing.fall, c!.timing.rise, c!.timing.retryIntervalMs], ['tcp', 6000, 3000, 2, 1, 3000]);
    assert.ok(m.warnings.some((w) => /seed-tarena-lvs.conf:33: nb_get_retry: Unknown keyword 'nb_get_retry'/.test(w)));
    assert.deepEqual(m.balancer, { kind: 'ipvs', ipvsadm: 'ipvsadm', cleanStop: true, foreignServers: 'keep', stateFile: '/var/lib/rsguard/ipvs-owned.json', reconcileIntervalMs: 10_000, timeoutMs: 5000 });
    assert.ok(m.warnings.some((w) => /vrrp_instance VI_1 is run by keepalived, not rsguard/.test(w)));
    assert.deepEqual(m.notify.email && [m.notify.email.to, m.notify.email.from, m.notify.email.routerId, m.notify.email.smtp.host, m.notify.email.smtp.port, m.notify.email.smtp.connectTimeoutMs], [['admin@tarena.com.cn'], 'ka@localhost', 'lvs1', '127.0.0.1', 25, 30_000]);
  });
  it('HTTP_GET with url, status_code and persistence', async () => {
    const m = await loadConfig(fx('keepalived/seed-http-get.conf'));
    const vs = m.virtualServices[0]!;
    assert.deepEqual(vs.persistence, { timeoutMs: 30_000, netmask: undefined });
    const [c] = checksOf(m, vs.name, '172.51.96.235:80');
    assert.deepEqual([c!.kind, c!.spec.path, c!.spec.expectStatus, c!.timing.intervalMs, c!.timing.fall, c!.timing.retryIntervalMs], ['http', '/info.php', [200], 1000, 4, 3000]);
    // keepalived 2.2.7 registers no nat_mask (check_parser.c): -t logs "Unknown keyword 'nat_mask'" and reads on.
    assert.ok(m.warnings.some((w) => /seed-http-get.conf:20: nat_mask: Unknown keyword 'nat_mask'/.test(w)));
    assert.ok(m.warnings.some((w) => /seed-http-get.conf:33: nb_get_retry: nb_get_retry is deprecated/.test(w)));
    assert.deepEqual(vs.realServers[0]!.notify, { down: ['/etc/keepalived/scripts/rs_state.sh'] }, 'notify_down runs as a hook');
    assert.ok(m.warnings.some((w) => /its notify_master, notify_backup, notify_fault stay keepalived's/.test(w)));
  });
});

describe('keepalived.conf: every directive', () => {
  it('include with a glob, groups with ranges and fwmarks, fwmark services, IPv6, UDP', async () => {
    const m = await loadConfig(fx('keepalived/full.conf'));
    // No protocol: UDP (check_data.c validate_check_config: "no protocol set - defaulting to UDP").
    assert.deepEqual(m.virtualServices.map((v) => v.key), ['udp:[2001:db8::53]:53', 'udp:10.1.1.1:80', 'udp:10.1.1.2:80', 'udp:10.1.1.3:80', 'fwmark:7:inet', 'fwmark:9:inet', 'tcp:10.0.0.1:443', 'udp:10.0.0.7:80']);
    assert.equal(m.notify.keepalivedFifo, '/run/keepalived/notify.fifo');
    const q = m.virtualServices.find((v) => v.key === 'udp:10.0.0.7:80')!;
    assert.deepEqual(q.notify, { quorumUp: ['/usr/local/bin/qup', 'up'], quorumDown: ['/usr/local/bin/qdown'] });
    assert.deepEqual(q.realServers[0]!.notify, { up: ['/usr/local/bin/rs', 'up'] });
    const group = m.virtualServices.filter((v) => v.name.startsWith('web_group'));
    assert.equal(new Set(group.map((v) => v.realServers[0]!.checkIds[0])).size, 1, 'a group shares one set of checks');
    const [tcp] = checksOf(m, 'web_group#1', '10.2.0.1:80');
    assert.deepEqual([tcp!.timing.intervalMs, tcp!.timing.timeoutMs], [5000, 2000]);
    const [alpha] = checksOf(m, '[2001:db8::53]:53', '[2001:db8::1]:53');
    assert.deepEqual([alpha!.target, alpha!.timing.alpha], [{ host: '2001:db8::1', port: 53 }, true]);
  });
  it('virtual_server options: persistence, sorry server, quorum, hysteresis, inhibit_on_failure, weight, alpha', async () => {
    const m = await loadConfig(fx('keepalived/full.conf'));
    const vs = m.virtualServices.find((v) => v.key === 'tcp:10.0.0.1:443')!;
    assert.deepEqual([vs.scheduler, vs.forwarding, vs.persistence?.timeoutMs, vs.quorum, vs.hysteresis, vs.onDown], ['rr', 'dr', 120_000, 3, 1, 'quiescent']);
    assert.deepEqual(sorryOf(vs.sorryServer), { host: '10.0.0.99', port: 8443, forwarding: 'nat' });
    assert.deepEqual(vs.realServers.map((r) => [r.key, r.weight, r.forwarding]), [['10.0.0.2:443', 3, 'dr'], ['10.0.0.3:443', 5, 'dr'], ['10.0.0.4:443', 5, 'nat']]);
    const fw = m.virtualServices.find((v) => v.key === 'fwmark:9:inet')!;
    assert.deepEqual([fw.scheduler, fw.forwarding, fw.persistence], ['sh', 'tun', { timeoutMs: 360_000, netmask: '255.255.255.0' }]);
    // A TUN real server behind a fwmark loses its port (validate_check_config: "has port specified - clearing").
    const [ping] = checksOf(m, 'fwmark 9', '10.3.0.1:0');
    assert.deepEqual([ping!.kind, ping!.timing.intervalMs, ping!.timing.fall, ping!.timing.retryIntervalMs], ['icmp', 60_000, 3, 2000]);
  });
  it('SSL_GET: one check per url; digest, status ranges, virtualhost, regex and regex_no_match; connect_ip/port; no certificate check', async () => {
    const m = await loadConfig(fx('keepalived/full.conf'));
    const [health, deep, noErrors] = checksOf(m, '10.0.0.1:443', '10.0.0.2:443');
    assert.deepEqual(health!.target, { host: '10.0.0.20', port: 8443 });
    assert.deepEqual([health!.kind, health!.spec.digest, health!.spec.expectStatus, health!.spec.virtualHost, health!.spec.tlsVerify], ['https', '9b3a0c85a887a256d6939da88aabd8cd', ['200-299', 301], 'www.example.com', false]);
    assert.deepEqual([deep!.spec.expectBodyRegex, deep!.spec.virtualHost], ['ok|fine', 'deep.example.com']);
    assert.deepEqual([noErrors!.spec.rejectBodyRegex, noErrors!.spec.expectBodyRegex], ['ERROR', undefined]);
    assert.deepEqual([health!.timing.alpha, health!.timing.fall, health!.timing.retryIntervalMs, health!.timing.timeoutMs, health!.timing.intervalMs], [true, 3, 2000, 4000, 10_000]);
  });
  it('MISC_CHECK runs misc_path as argv without appending addresses; misc_timeout; retry defaults to 0', async () => {
    const m = await loadConfig(fx('keepalived/full.conf'));
    const [misc, http] = checksOf(m, '10.0.0.1:443', '10.0.0.3:443');
    assert.deepEqual([misc!.spec.command, misc!.spec.appendTarget, misc!.timing.timeoutMs, misc!.timing.fall], [['/usr/local/bin/check_app', '--host', '10.0.0.3'], false, 7000, 3]);
    assert.deepEqual([http!.kind, http!.timing.fall, http!.timing.retryIntervalMs], ['http', 5, 3000]);
  });
  it('errors name the file, line and directive', async () => {
    assert.deepEqual(await errorsOf(fx('keepalived/errors.conf')), [
      'test/fixtures/keepalived/errors.conf:5: BFD_CHECK: BFD_CHECK is not supported by rsguard (rsguard runs no BFD): use TCP_CHECK or PING_CHECK',
      'test/fixtures/keepalived/errors.conf:15: virtual_server: no virtual_server_group "nope"',
    ]);
    // What keepalived 2.2.7 -t logs and reads past on the same file, each naming its line.
    const { importKeepalived } = await import('../../src/config/import/keepalived.js');
    const r = await importKeepalived(fx('keepalived/errors.conf'), 'x');
    const tolerated = (r.tolerated ?? []).map((t) => `${t.line}: ${t.message}`);
    for (const expected of [/^2: PARSER : unknown \[ROUTE\] routing method/, /^4: Unknown keyword 'weigth'/, /^10: HTTP_GET checker has no urls specified - ignoring/, /^17: .*never closed/]) {
      assert.ok(tolerated.some((t) => expected.test(t)), `${expected} in ${tolerated.join('; ')}`);
    }
  });
});

describe('ldirectord.cf', () => {
  it('the seed: fwmark virtual, negotiate http with request, receive, virtualhost, checkport; rise 1', async () => {
    const m = await loadConfig(fx('ldirectord/seed-fwm.cf'));
    const vs = m.virtualServices[0]!;
    assert.deepEqual([vs.key, vs.scheduler, vs.persistence?.timeoutMs, vs.onDown], ['fwmark:5:inet', 'wrr', 600_000, 'remove']);
    assert.deepEqual(sorryOf(vs.sorryServer), { host: '127.0.0.1', port: 80, forwarding: 'dr' });
    const [c] = checksOf(m, vs.name, '172.16.0.7:80');
    assert.deepEqual([c!.kind, c!.spec.path, c!.spec.expectBodyRegex, c!.spec.virtualHost, c!.target.port], ['http', '/index.html', 'CentOS', 'www.x.y.z', 80]);
    assert.deepEqual([c!.timing.intervalMs, c!.timing.timeoutMs, c!.timing.fall, c!.timing.rise, c!.timing.retryIntervalMs], [1000, 3000, 1, 1, 1000]);
  });
  it('globals, overrides, ranges, per-real request/receive, every checktype and service', async () => {
    const m = await loadConfig(fx('ldirectord/full.cf'));
    assert.equal(m.balancer.kind === 'ipvs' && (m.balancer as IpvsDef).cleanStop, false);
    // ld_start purges real servers the file does not name, so an imported ldirectord.cf makes its file the whole truth.
    assert.equal((m.balancer as IpvsDef).foreignServers, 'remove');
    const web = m.virtualServices.find((v) => v.name === 'web')!;
    assert.deepEqual(web.realServers.map((r) => [r.key, r.weight, r.forwarding]), [['192.168.6.2:80', 3, 'dr'], ['192.168.6.3:80', 3, 'dr'], ['192.168.6.4:80', 3, 'dr'], ['192.168.6.5:80', 1, 'nat']]);
    assert.deepEqual([web.key, web.scheduler, web.persistence, web.onDown], ['tcp:192.168.6.240:80', 'wlc', { timeoutMs: 300_000, netmask: '255.255.255.0' }, 'remove']);
    assert.deepEqual(sorryOf(web.sorryServer), { host: '10.9.9.9', port: 80, forwarding: 'nat' });
    const [h] = checksOf(m, 'web', '192.168.6.2:80');
    assert.deepEqual([h!.spec.method, h!.spec.path, h!.spec.expectBodyRegex, h!.target.port, h!.timing.timeoutMs, h!.timing.fall, h!.timing.intervalMs], ['HEAD', '/health.html', 'ok', 8080, 8000, 2, 3000]);
    const [own] = checksOf(m, 'web', '192.168.6.5:80');
    assert.deepEqual([own!.spec.path, own!.spec.expectBodyRegex], ['/other.html', '^fine']);
    const by = (key: string) => m.virtualServices.find((v) => v.key === key)!;
    const first = (key: string) => m.checks.get(by(key).realServers[0]!.checkIds[0]!)!;
    assert.deepEqual([first('tcp:192.168.6.240:443').kind, first('tcp:192.168.6.240:443').spec.path, first('tcp:192.168.6.240:443').spec.virtualHost, first('tcp:192.168.6.240:443').spec.tlsVerify, first('tcp:192.168.6.240:443').spec.tlsVerifyHost, first('tcp:192.168.6.240:443').timing.fall], ['https', '/status', 'www.example.com', true, false, 1], 'LWP with verify_hostname 0: the chain is verified, the name is not');
    assert.deepEqual([first('tcp:192.168.6.241:25').kind, first('tcp:192.168.6.241:25').timing.timeoutMs], ['tcp', 2000]);
    assert.deepEqual([first('tcp:192.168.6.242:7000').spec.send, first('tcp:192.168.6.242:7000').spec.expectRegex], ['PING\n', 'PONG']);
    assert.deepEqual([by('udp:192.168.6.243:53').protocol, first('udp:192.168.6.243:53').kind, first('udp:192.168.6.243:53').spec.count], ['udp', 'icmp', 3]);
    assert.deepEqual([first('tcp:192.168.6.244:9000').spec.command, first('tcp:192.168.6.244:9000').spec.appendTarget], [['/usr/local/bin/check_app'], true]);
    assert.deepEqual(by('tcp:192.168.6.245:80').realServers[0]!.checkIds, [], 'checktype=on: always up');
    // checktype=off: no real server, and the (global) fallback, which ld_start puts in and nothing takes out.
    assert.deepEqual([by('tcp:192.168.6.246:80').realServers, sorryOf(by('tcp:192.168.6.246:80').sorryServer)], [[], { host: '10.9.9.9', port: 80, forwarding: 'nat' }], 'checktype=off: the fallback alone');
    const combined = by('tcp:192.168.6.247:80').realServers[0]!.checkIds.map((id) => m.checks.get(id)!);
    assert.deepEqual(combined.map((c) => [c.kind, c.timing.intervalMs]), [['tcp', 3000], ['http', 15_000]]);
    assert.equal(by('tcp:127.0.0.1:8081').name, 'virtual=localhost:8081', 'host names are resolved');
    assert.equal(first('tcp:[2001:db8::10]:80').target.host, '2001:db8::2');
    assert.deepEqual(sorryOf(by('tcp:[2001:db8::10]:80').sorryServer), { host: '2001:db8::99', port: 80, forwarding: 'dr' }, 'fallback6 for virtual6');
    assert.equal(m.global.autoReload, true);
    assert.deepEqual(m.notify.email && [m.notify.email.to, m.notify.email.from, m.notify.email.smtp.host, m.notify.email.reminderIntervalMs], [['admin@example.com'], 'lvs@example.com', '127.0.0.1', 60_000]);
    assert.deepEqual(web.notify, { fallbackCommand: ['/usr/local/bin/sorry'] });
  });
  it('errors name the file, line and directive', async () => {
    // The messages are read_config's own (it stops at the first; rsguard lists them all).
    assert.deepEqual(await errorsOf(fx('ldirectord/errors.cf')), [
      'test/fixtures/ldirectord/errors.cf:1: checktimeout: invalid check timeout value: "soon"',
      'test/fixtures/ldirectord/errors.cf:2: bogus: Unknown command "bogus = 1"',
      'test/fixtures/ldirectord/errors.cf:3: scheduler: Unknown command "scheduler = wrr" (scheduler belongs inside a virtual= block: indent it)',
      'test/fixtures/ldirectord/errors.cf:6: service: service=oracle is not supported by rsguard (no Oracle client here): use checktype=connect, or checktype=external with a script',
      'test/fixtures/ldirectord/errors.cf:8: real: forward method must be gate, masq or ipip, got "fast 1"',
      'test/fixtures/ldirectord/errors.cf:9: real: address range "10.0.0.9->10.0.0.3:80" runs backwards',
      'test/fixtures/ldirectord/errors.cf:10: logfile: Unknown command "    logfile = /tmp/x.log" (logfile is a global directive: do not indent it)',
      'test/fixtures/ldirectord/errors.cf:11: checktype: checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number, got "sometimes"',
    ]);
  });
});

describe('rsguard import: the same model through YAML', () => {
  for (const f of ['keepalived/seed-tarena-lvs.conf', 'keepalived/seed-http-get.conf', 'keepalived/full.conf', 'ldirectord/seed-fwm.cf', 'ldirectord/full.cf', 'ldirectord/debian-example.cf', 'ldirectord/debian-all-services.cf', 'haproxy/seed-haproxy.cfg']) {
    it(f, async () => {
      const r = spawnSync(process.execPath, [cli, 'import', fx(f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const fromYaml = loadYamlText('imported.yaml', r.stdout);
      const direct = await loadConfig(fx(f));
      assert.deepEqual(essence(fromYaml), essence(direct));
    });
  }
  it('exits 1 with the errors for a broken file', () => {
    const r = spawnSync(process.execPath, [cli, 'import', fx('ldirectord/errors.cf')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /errors.cf:2: bogus: Unknown command "bogus = 1"/);
    assert.equal(r.stdout, '');
  });
});
