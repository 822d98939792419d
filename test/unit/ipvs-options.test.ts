import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DesiredService } from '../../src/actuators/actuator.js';
import { planIpvs } from '../../src/actuators/ipvs/ipvs-diff.js';
import { addThresholds, parseIpvsSave, parseTimeouts, type IpvsTable } from '../../src/actuators/ipvs/ipvs-table.js';
import { NOTHING_OWNED, type Owned } from '../../src/actuators/ownership.js';
import { ConfigError } from '../../src/config/errors.js';
import { importKeepalived } from '../../src/config/import/keepalived.js';
import { loadConfig, loadYamlText } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import { planPool, type ServerHealth } from '../../src/planner/pool-plan.js';

const yaml = (services: string, balancer = '{ kind: ipvs }') => loadYamlText('o.yaml', `balancer: ${balancer}\nvirtualServices:\n${services}`);
const desired = (m: Model): DesiredService[] =>
  m.virtualServices.map((vs) => ({ vs, plan: planPool({ vs, servers: new Map<string, ServerHealth>(vs.realServers.map((rs) => [rs.key, { hardState: 'up', upSince: -Infinity }])), drained: new Set(), previousQuorumUp: undefined, now: 0 }) }));
const owned = (m: Model): Owned => ({ services: new Set(m.virtualServices.map((v) => v.key)), members: new Map() });
const argv = (cmds: Array<{ args: string[] }>) => cmds.map((c) => c.args.join(' '));
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path ?? ''}: ${i.message}`).join('\n');
  }
  assert.fail('loaded without an error');
};

const DNS = `  - { name: dns, address: 10.0.0.1:53, protocol: udp, scheduler: sh, ipvs: { onePacket: true, schedulerFlags: [sh-port, sh-fallback] },
      realServers: [{ address: 127.0.0.2:53, ipvs: { upperThreshold: 100, lowerThreshold: 50 } }, { address: 127.0.0.3:53 }] }\n`;

describe('IPVS service options: ipvsadm -Sn as the guest printed it (ipvsadm 1.31)', () => {
  it('reads -b in the names of the scheduler, -o, and the thresholds from -Ln --thresholds', () => {
    const t = parseIpvsSave('-A -t 10.0.0.1:80 -s sh -b sh-fallback,sh-port\n-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 2\n-A -t 10.0.0.3:80 -s rr -b flag-2\n-A -u 10.0.0.1:53 -s rr -o\n');
    assert.equal(t.get('tcp:10.0.0.1:80')!.flags, 0x18);
    assert.equal(t.get('tcp:10.0.0.3:80')!.flags, 0x10);
    assert.equal(t.get('udp:10.0.0.1:53')!.onePacket, true);
    assert.equal(t.get('tcp:10.0.0.1:80')!.onePacket, false);
    addThresholds(t, 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80 sh (sh-fallback,sh-port)\n  -> 127.0.0.2:80                 100        50         0          0\n');
    assert.deepEqual([t.get('tcp:10.0.0.1:80')!.dests.get('127.0.0.2:80')!.upperThreshold, t.get('tcp:10.0.0.1:80')!.dests.get('127.0.0.2:80')!.lowerThreshold], [100, 50]);
    assert.deepEqual(parseTimeouts('Timeout (tcp tcpfin udp): 900 120 300\n'), { tcp: 900, tcpFin: 120, udp: 300 });
    assert.throws(() => parseIpvsSave('-A -t 10.0.0.1:80 -s sh -b sh-bogus\n'), /unknown scheduler flag/);
  });
  it('flag-3 under sh or mh, which ipvsadm prints as an empty -b, is not edited at every reconcile', () => {
    const m3 = yaml('  - { address: 10.0.0.23:80, scheduler: sh, ipvs: { schedulerFlags: [flag-3] }, realServers: [{ address: 127.0.0.2:80 }] }\n');
    // As the guest printed the service keepalived and rsguard created (`-b` and then nothing).
    const t3 = parseIpvsSave('-A -t 10.0.0.23:80 -s sh -b \n-a -t 10.0.0.23:80 -r 127.0.0.2:80 -g -w 1\n');
    assert.equal(t3.get('tcp:10.0.0.23:80')!.flags, 0x20);
    assert.deepEqual(argv(planIpvs(desired(m3), t3, owned(m3), { foreignServers: 'keep', complete: true }).commands), []);
    // Beside a named flag flag-3 cannot be seen: compared on what can.
    const m4 = yaml('  - { address: 10.0.0.23:80, scheduler: sh, ipvs: { schedulerFlags: [sh-port, flag-3] }, realServers: [{ address: 127.0.0.2:80 }] }\n');
    const t4 = parseIpvsSave('-A -t 10.0.0.23:80 -s sh -b sh-port\n-a -t 10.0.0.23:80 -r 127.0.0.2:80 -g -w 1\n');
    assert.deepEqual(argv(planIpvs(desired(m4), t4, owned(m4), { foreignServers: 'keep', complete: true }).commands), []);
    // Under rr every bit has a name: flag-3 missing is an edit.
    const m5 = yaml('  - { address: 10.0.0.23:80, scheduler: rr, ipvs: { schedulerFlags: [flag-3] }, realServers: [{ address: 127.0.0.2:80 }] }\n');
    const t5 = parseIpvsSave('-A -t 10.0.0.23:80 -s rr\n-a -t 10.0.0.23:80 -r 127.0.0.2:80 -g -w 1\n');
    assert.deepEqual(argv(planIpvs(desired(m5), t5, owned(m5), { foreignServers: 'keep', complete: true }).commands), ['-E -t 10.0.0.23:80 -s rr -b flag-3']);
  });
});

describe('IPVS service options in the plan', () => {
  const m = yaml(DNS);
  it('a new service gets -b and -o, a real server -x and -y', () => {
    assert.deepEqual(argv(planIpvs(desired(m), new Map(), NOTHING_OWNED, { foreignServers: 'keep', complete: true }).commands), [
      '-A -u 10.0.0.1:53 -s sh -b sh-fallback,sh-port -o',
      '-a -u 10.0.0.1:53 -r 127.0.0.2:53 -g -w 1 -x 100 -y 50',
      '-a -u 10.0.0.1:53 -r 127.0.0.3:53 -g -w 1',
    ]);
  });
  const THR = 'UDP  10.0.0.1:53 sh\n  -> 127.0.0.2:53  100  50  0  0\n  -> 127.0.0.3:53  0  0  0  0\n';
  const table = (save: string, thresholds = THR): IpvsTable => {
    const t = parseIpvsSave(save);
    addThresholds(t, thresholds);
    return t;
  };
  const MATCH = '-A -u 10.0.0.1:53 -s sh -b sh-fallback,sh-port -o\n-a -u 10.0.0.1:53 -r 127.0.0.2:53 -g -w 1\n-a -u 10.0.0.1:53 -r 127.0.0.3:53 -g -w 1\n';
  it('a table that matches needs nothing; a flag, -o or a threshold changed by hand is put back with -E / -e', () => {
    assert.deepEqual(argv(planIpvs(desired(m), table(MATCH), owned(m), { foreignServers: 'keep', complete: true }).commands), []);
    assert.deepEqual(argv(planIpvs(desired(m), table(MATCH.replace('-b sh-fallback,sh-port -o', '-b sh-port')), owned(m), { foreignServers: 'keep', complete: true }).commands), ['-E -u 10.0.0.1:53 -s sh -b sh-fallback,sh-port -o']);
    assert.deepEqual(argv(planIpvs(desired(m), table(MATCH, THR.replace('100  50', '7  0').replace('-> 127.0.0.3:53  0', '-> 127.0.0.3:53  9')), owned(m), { foreignServers: 'keep', complete: true }).commands), [
      '-e -u 10.0.0.1:53 -r 127.0.0.2:53 -g -w 1 -x 100 -y 50',
      '-e -u 10.0.0.1:53 -r 127.0.0.3:53 -g -w 1',
    ]);
  });
  it('thresholds not read (none configured, none seen) are not compared', () => {
    const plain = yaml('  - { name: w, address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80 }] }\n');
    assert.deepEqual(argv(planIpvs(desired(plain), parseIpvsSave('-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 1\n'), owned(plain), { foreignServers: 'keep', complete: true }).commands), []);
  });
  it('an adopted service keeps its flags and -o under foreignServers keep (told as left as found), and is set under remove', () => {
    const t = table(MATCH.replace(' -b sh-fallback,sh-port -o', ' -b sh-fallback'));
    const keep = planIpvs(desired(m), t, NOTHING_OWNED, { foreignServers: 'keep', complete: true });
    assert.deepEqual(argv(keep.commands), []);
    assert.deepEqual(keep.leftAlone.get('udp:10.0.0.1:53')!.settings, ['scheduler flags sh-fallback (config: sh-fallback,sh-port)', 'one-packet scheduling off (config: on)']);
    assert.deepEqual(argv(planIpvs(desired(m), t, NOTHING_OWNED, { foreignServers: 'remove', complete: true }).commands), ['-E -u 10.0.0.1:53 -s sh -b sh-fallback,sh-port -o']);
  });
  it('timeouts: --set with 0 for those the config leaves to the kernel, only when one differs', () => {
    const t = table(MATCH);
    const plan = (wanted: Record<string, number>, current = { tcp: 900, tcpFin: 120, udp: 300 }) => argv(planIpvs(desired(m), t, owned(m), { foreignServers: 'keep', complete: true, timeouts: { wanted, current } }).commands);
    assert.deepEqual(plan({ tcp: 7200, udp: 60 }), ['--set 7200 0 60']);
    assert.deepEqual(plan({ tcp: 900 }), []);
  });
});

describe('IPVS options in YAML: refused with the key', () => {
  it('sh-port under rr, onePacket on TCP, a lower threshold above the upper one', () => {
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, scheduler: rr, ipvs: { schedulerFlags: [sh-port] }, realServers: [{ address: 127.0.0.2:80 }] }\n')), /sh-port applies to scheduler sh only \(this service uses rr\); use flag-2/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, ipvs: { onePacket: true }, realServers: [{ address: 127.0.0.2:80 }] }\n')), /one-packet scheduling is for UDP services .* this one is tcp/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80, ipvs: { lowerThreshold: 7 } }] }\n')), /lowerThreshold 7 is above ipvs.upperThreshold 0/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80, ipvs: { upperThreshold: 2147483648 } }] }\n')), /upperThreshold/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, ipvs: { schedulerFlags: [sh-bogus] }, realServers: [{ address: 127.0.0.2:80 }] }\n')), /schedulerFlags/);
  });
  it('timeouts in whole seconds; the sync daemon needs an id or its instance with a virtualRouterId', () => {
    assert.deepEqual((yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80 }] }\n', '{ kind: ipvs, timeouts: { tcp: 2h, udp: 30 } }').balancer as unknown as { timeouts: unknown }).timeouts, { tcp: 7200, udp: 30 });
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80 }] }\n', '{ kind: ipvs, timeouts: { tcp: 1500ms } }')), /whole seconds/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80 }] }\n', '{ kind: ipvs, syncDaemon: { interface: eth0, vrrpInstance: VI_1 } }')), /syncDaemon.syncId: give it, or the vrrp instance "VI_1" with its virtualRouterId/);
    const withVrrp = loadYamlText('o.yaml', 'balancer: { kind: ipvs, syncDaemon: { interface: eth0, vrrpInstance: VI_1 } }\nvrrp: { instances: [{ name: VI_1, virtualRouterId: 51 }] }\nvirtualServices: []\n');
    assert.equal((withVrrp.balancer as unknown as { syncDaemon: { syncId: number } }).syncDaemon.syncId, 51);
    assert.match(refusal(() => loadYamlText('o.yaml', 'balancer: { kind: ipvs, syncDaemon: { interface: eth0, vrrpInstance: VI_9, syncId: 3 } }\nvrrp: { instances: [{ name: VI_1 }] }\nvirtualServices: []\n')), /no vrrp instance "VI_9"/);
    assert.match(refusal(() => yaml('  - { address: 10.0.0.1:80, realServers: [{ address: 127.0.0.2:80 }] }\n', '{ kind: ipvs, syncDaemon: { interface: eth0, vrrpInstance: V, syncId: 1, group: 10.0.0.1 } }')), /multicast/);
  });
});

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvsopts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (text: string) => {
  const file = path.join(dir, `k${n++}.conf`);
  writeFileSync(file, text);
  return file;
};
const VS = (body: string, head = 'virtual_server 10.0.0.1 53', proto = 'UDP') => `${head} {\n  protocol ${proto}\n  lb_kind DR\n${body}\n  real_server 127.0.0.2 53 {\n  }\n}\n`;
const ipvsOf = (m: Model, i = 0) => m.virtualServices[i]!.balancerOptions?.ipvs;

describe('keepalived 2.2.7 IPVS options (check_parser.c lbflags_handler, check_data.c validate_check_config)', () => {
  it('ops, sh-port and sh-fallback after lb_algo sh', async () => {
    const m = await loadConfig(write(VS('  lb_algo sh\n  ops\n  sh-port\n  sh-fallback')), 'keepalived', { configId: 'x' });
    assert.deepEqual(ipvsOf(m), { onePacket: true, schedulerFlags: ['sh-fallback', 'sh-port'] });
  });
  it('a flag before lb_algo is judged against no scheduler: "only applies to sh scheduler - ignoring"', async () => {
    const r = await importKeepalived(write(VS('  sh-port\n  lb_algo sh')), 'x');
    assert.deepEqual(r.errors, []);
    assert.ok(r.tolerated!.some((t) => t.line === 4 && /sh-port only applies to sh scheduler - ignoring/.test(t.message)), JSON.stringify(r.tolerated));
    assert.equal((r.input.virtualServices as Array<Record<string, unknown>>)[0]!.ipvs, undefined);
  });
  it('mh-port under sh is dropped by keepalived without a word; rsguard marks it', async () => {
    const r = await importKeepalived(write(VS('  lb_algo sh\n  mh-port')), 'x');
    assert.ok(r.tolerated!.some((t) => /mh-port has no effect under lb_algo sh/.test(t.message)), JSON.stringify(r.tolerated));
  });
  it('the bits stay when lb_algo changes after them, named as ipvsadm names them for the final scheduler', async () => {
    const m = await loadConfig(write(VS('  lb_algo mh\n  mh-port\n  lb_algo rr')), 'keepalived', { configId: 'x' });
    assert.deepEqual(ipvsOf(m), { onePacket: false, schedulerFlags: ['flag-2'] });
  });
  it('ops on a TCP service is reset, as keepalived does; on a firewall mark it stays', async () => {
    const r = await importKeepalived(write(VS('  lb_algo rr\n  ops', 'virtual_server 10.0.0.1 80', 'TCP')), 'x');
    assert.ok(r.tolerated!.some((t) => /one packet scheduling requires UDP - resetting/.test(t.message)));
    assert.equal((r.input.virtualServices as Array<Record<string, unknown>>)[0]!.ipvs, undefined);
    const f = await loadConfig(write('virtual_server fwmark 7 {\n  lb_algo rr\n  ops\n  real_server 127.0.0.2 53 {\n  }\n}\n'), 'keepalived', { configId: 'x' });
    assert.deepEqual(ipvsOf(f), { onePacket: true, schedulerFlags: [] });
  });
  it('uthreshold and lthreshold per real server; lthreshold above uthreshold is refused with its line (the kernel refuses the server)', async () => {
    const m = await loadConfig(write('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 127.0.0.2 80 {\n    uthreshold 100\n    lthreshold 50\n  }\n}\n'), 'keepalived', { configId: 'x' });
    assert.deepEqual(m.virtualServices[0]!.realServers[0]!.balancerOptions?.ipvs, { upperThreshold: 100, lowerThreshold: 50 });
    await assert.rejects(loadConfig(write('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 127.0.0.2 80 {\n    lthreshold 5\n  }\n}\n'), 'keepalived', { configId: 'x' }), (e: ConfigError) => e.issues.some((i) => i.line === 4 && /lthreshold 5 is above uthreshold 0/.test(i.message)));
    const r = await importKeepalived(write('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 127.0.0.2 80 {\n    uthreshold -1\n  }\n}\n'), 'x');
    assert.ok(r.tolerated!.some((t) => t.line === 4 && /Invalid real_server uthreshold '-1' - ignoring/.test(t.message)));
  });
});

describe('keepalived 2.2.7 global_defs lvs_timeouts and lvs_sync_daemon (global_parser.c, vrrp.c)', () => {
  const VRRP = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n';
  const balancerOf = async (globals: string, rest = VRRP) => (await loadConfig(write(`global_defs {\n${globals}\n}\n${rest}${VS('  lb_algo rr')}`), 'keepalived', { configId: 'x' })).balancer as unknown as Record<string, unknown>;
  it('lvs_timeouts: each value read, 0 is "not set", a bad one skipped with the rest kept', async () => {
    assert.deepEqual((await balancerOf('  lvs_timeouts tcp 7200 tcpfin 0 udp 60')).timeouts, { tcp: 7200, udp: 60 });
    const r = await importKeepalived(write(`global_defs {\n  lvs_timeouts tcp x udp 60 bogus\n}\n${VS('  lb_algo rr')}`), 'x');
    assert.deepEqual((r.input.balancer as Record<string, unknown>).timeouts, { udp: 60 });
    assert.deepEqual(r.tolerated!.map((t) => t.message), ['Invalid lvs_timeout tcp (x) - ignoring', 'Unknown option bogus specified for lvs_timeouts']);
  });
  it('lvs_sync_daemon: the id defaults to the instance vrid; maxlen, port, ttl, group; the old IF INSTANCE SYNCID form', async () => {
    assert.deepEqual((await balancerOf('  lvs_sync_daemon eth1 VI_1 maxlen 1400 port 8849 ttl 2 group 224.0.0.99')).syncDaemon, { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 51, maxLen: 1400, port: 8849, ttl: 2, group: '224.0.0.99' });
    assert.deepEqual((await balancerOf('  lvs_sync_daemon eth1 inst VI_1 id 7')).syncDaemon, { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 7 });
    const r = await importKeepalived(write(`global_defs {\n  lvs_sync_daemon eth1 VI_1 9\n}\n${VRRP}${VS('  lb_algo rr')}`), 'x');
    assert.deepEqual((r.input.balancer as Record<string, unknown>).syncDaemon, { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 9 });
    assert.ok(r.tolerated!.some((t) => /Please use keyword "id"/.test(t.message)));
    assert.ok(r.warnings.some((w) => /keepalived's VRRP process also runs it/.test(w)));
  });
  it('an instance that does not exist clears it (as keepalived does); no instance at all is refused; a bad group is skipped', async () => {
    const r = await importKeepalived(write(`global_defs {\n  lvs_sync_daemon eth1 VI_9\n}\n${VRRP}${VS('  lb_algo rr')}`), 'x');
    assert.equal((r.input.balancer as Record<string, unknown>).syncDaemon, undefined);
    assert.ok(r.tolerated!.some((t) => /Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config/.test(t.message)));
    const none = await importKeepalived(write(`global_defs {\n  lvs_sync_daemon eth1\n}\n${VS('  lb_algo rr')}`), 'x');
    assert.ok(none.errors.some((e) => e.line === 2 && /without a VRRP instance/.test(e.message)));
    const g = await importKeepalived(write(`global_defs {\n  lvs_sync_daemon eth1 VI_1 group 10.0.0.1\n}\n${VRRP}${VS('  lb_algo rr')}`), 'x');
    assert.ok(g.tolerated!.some((t) => /group address 10.0.0.1 is not multicast - ignoring/.test(t.message)));
  });
});

describe('ldirectord ops and schedflags (ld_setup)', () => {
  const LD = (lines: string, proto = '53') => `virtual=10.0.0.1:${proto}\n\treal=127.0.0.2:${proto} gate\n\tscheduler=sh\n\tchecktype=connect\n\tprotocol=${proto === '53' ? 'udp' : 'tcp'}\n${lines}\n`;
  it('ops=yes is -o on a UDP virtual, and said and not set on a TCP one; schedflags is -b as written', async () => {
    const m = await loadConfig(write(LD('\tops=yes\n\tschedflags=sh-port,sh-fallback')), 'ldirectord');
    assert.deepEqual(m.virtualServices[0]!.balancerOptions?.ipvs, { onePacket: true, schedulerFlags: ['sh-port', 'sh-fallback'] });
    const t = await loadConfig(write(LD('\tops=yes', '80')), 'ldirectord');
    assert.equal(t.virtualServices[0]!.balancerOptions?.ipvs, undefined);
    assert.ok(t.warnings.some((w) => /ops=yes on a tcp virtual/.test(w)), t.warnings.join('\n'));
  });
  it('a flag ipvsadm does not know, or one for another scheduler, is refused (ipvsadm would refuse the service)', async () => {
    await assert.rejects(loadConfig(write(LD('\tschedflags=sh-bogus')), 'ldirectord'), (e: ConfigError) => e.issues.some((i) => i.line === 6 && /ipvsadm knows no sh-bogus/.test(i.message)));
    await assert.rejects(loadConfig(write(LD('\tschedflags=mh-port')), 'ldirectord'), /mh-port applies to scheduler mh only/);
  });
});
