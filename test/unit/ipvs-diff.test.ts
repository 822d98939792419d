import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { Model } from '../../src/config/model.js';
import { planPool, type ServerHealth } from '../../src/planner/pool-plan.js';
import { cleanStopCommands, diffIpvs } from '../../src/actuators/ipvs/ipvs-diff.js';
import { activeConnections, IpvsParseError, parseIpvsSave } from '../../src/actuators/ipvs/ipvs-table.js';

const MODEL: Model = loadYamlText(
  'ipvs.yaml',
  `virtualServices:
  - name: web
    address: 10.0.0.1:80
    scheduler: wrr
    sorryServer: 10.0.0.99:80
    realServers:
      - { address: 10.0.0.2:80, weight: 3 }
      - { address: 10.0.0.3:80, weight: 1, forwarding: nat }
  - name: dns
    address: "[2001:db8:0::53]:53"
    protocol: udp
    scheduler: rr
    persistence: { timeout: 300 }
    realServers:
      - { address: "[2001:db8::1]:53" }
  - name: mark
    fwmark: 5
    scheduler: wlc
    realServers:
      - { address: 10.0.0.7:80 }
`,
);

function desired(down: string[] = []) {
  return MODEL.virtualServices.map((vs) => {
    const servers = new Map<string, ServerHealth>(vs.realServers.map((rs) => [rs.key, { hardState: down.includes(rs.key) ? 'down' : 'up', upSince: -Infinity }]));
    return { vs, plan: planPool({ vs, servers, drained: new Set(), previousQuorumUp: undefined, now: 0 }) };
  });
}

const SAVED = `-A -t 10.0.0.1:80 -s wrr
-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3
-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1
-A -u [2001:db8::53]:53 -s rr -p 300
-a -u [2001:db8::53]:53 -r [2001:db8::1]:53 -g -w 1
-A -f 5 -s wlc
-a -f 5 -r 10.0.0.7:80 -g -w 1
-A -t 192.168.1.1:443 -s rr
-a -t 192.168.1.1:443 -r 192.168.1.2:443 -g -w 1
`;

const argv = (cmds: Array<{ args: string[] }>) => cmds.map((c) => c.args.join(' '));

describe('ipvsadm -Sn parsing', () => {
  it('reads services, persistence, destinations, weights and forwarding', () => {
    const t = parseIpvsSave(SAVED);
    assert.deepEqual([...t.keys()], ['tcp:10.0.0.1:80', 'udp:[2001:db8::53]:53', 'fwmark:5:inet', 'tcp:192.168.1.1:443']);
    assert.equal(t.get('udp:[2001:db8::53]:53')!.persistenceSec, 300);
    assert.deepEqual(t.get('tcp:10.0.0.1:80')!.dests.get('10.0.0.3:80'), { key: '10.0.0.3:80', weight: 1, forwarding: 'nat' });
  });
  it('rejects lines it does not understand rather than guess', () => {
    assert.throws(() => parseIpvsSave('IP Virtual Server version 1.2.1\n'), IpvsParseError);
    assert.throws(() => parseIpvsSave('-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1\n'), IpvsParseError);
  });
  it('reads ActiveConn from ipvsadm -Ln', () => {
    const listing = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.1:80 wrr
  -> 10.0.0.2:80                  Route   3      12         40
  -> 10.0.0.3:80                  Masq    1      0          2
`;
    assert.equal(activeConnections(listing, '10.0.0.2:80'), 12);
    assert.equal(activeConnections(listing, '10.0.0.3:80'), 0);
    assert.equal(activeConnections(listing, '10.0.0.9:80'), undefined);
  });
});

describe('ipvs diff', () => {
  it('an empty table gets every owned service and member (IPv6 canonical, fwmark, persistence)', () => {
    assert.deepEqual(argv(diffIpvs(desired(), new Map())), [
      '-A -t 10.0.0.1:80 -s wrr',
      '-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3',
      '-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1',
      '-A -u [2001:db8::53]:53 -s rr -p 300',
      '-a -u [2001:db8::53]:53 -r [2001:db8::1]:53 -g -w 1',
      '-A -f 5 -s wlc',
      '-a -f 5 -r 10.0.0.7:80 -g -w 1',
    ]);
  });
  it('a table that matches needs nothing, and services it does not own are left alone', () => {
    assert.deepEqual(diffIpvs(desired(), parseIpvsSave(SAVED)), []);
  });
  it('a server going down is deleted (not quiescent)', () => {
    assert.deepEqual(argv(diffIpvs(desired(['10.0.0.2:80']), parseIpvsSave(SAVED))), ['-d -t 10.0.0.1:80 -r 10.0.0.2:80']);
  });
  it('all down: the sorry server is added before the last real server is deleted', () => {
    assert.deepEqual(argv(diffIpvs(desired(['10.0.0.2:80', '10.0.0.3:80']), parseIpvsSave(SAVED))), [
      '-a -t 10.0.0.1:80 -r 10.0.0.99:80 -g -w 1',
      '-d -t 10.0.0.1:80 -r 10.0.0.2:80',
      '-d -t 10.0.0.1:80 -r 10.0.0.3:80',
    ]);
  });
  it('a changed weight, forwarding or scheduler is edited in place', () => {
    const drifted = SAVED.replace('-r 10.0.0.2:80 -g -w 3', '-r 10.0.0.2:80 -i -w 9').replace('-A -f 5 -s wlc', '-A -f 5 -s rr');
    assert.deepEqual(argv(diffIpvs(desired(), parseIpvsSave(drifted))), ['-e -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3', '-E -f 5 -s wlc']);
  });
  it('a server deleted by hand is added back', () => {
    const deleted = SAVED.replace('-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1\n', '');
    assert.deepEqual(argv(diffIpvs(desired(), parseIpvsSave(deleted))), ['-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1']);
  });
  it('clean stop removes only services rsguard created that exist', () => {
    const partial = parseIpvsSave(SAVED.split('\n').filter((l) => !l.includes('-f 5')).join('\n'));
    const keys = desired().map((d) => d.vs.key);
    assert.deepEqual(argv(cleanStopCommands(desired(), partial, new Set(keys))), ['-D -t 10.0.0.1:80', '-D -u [2001:db8::53]:53']);
    // The same table, but the TCP service was there before rsguard: adopted, never deleted.
    assert.deepEqual(argv(cleanStopCommands(desired(), partial, new Set(keys.filter((k) => k.startsWith('udp'))))), ['-D -u [2001:db8::53]:53']);
  });
  it('an -A names the service it creates, so it can be recorded before it runs', () => {
    const created = diffIpvs(desired(), parseIpvsSave('')).filter((c) => c.creates);
    assert.deepEqual(created.map((c) => c.creates), desired().map((d) => d.vs.key));
  });
});

describe('SCTP services (ipvsadm --sctp-service, keepalived protocol SCTP)', () => {
  const sctp = loadYamlText(
    'sctp.yaml',
    `virtualServices:
  - name: diameter
    address: 10.0.0.1:3868
    protocol: sctp
    scheduler: rr
    realServers:
      - { address: 10.0.0.2:3868 }
`,
  );
  const want = sctp.virtualServices.map((vs) => {
    const servers = new Map<string, ServerHealth>(vs.realServers.map((rs) => [rs.key, { hardState: 'up', upSince: -Infinity }]));
    return { vs, plan: planPool({ vs, servers, drained: new Set(), previousQuorumUp: undefined, now: 0 }) };
  });
  // ipvsadm.c print_service_entry writes "--sctp-service" for IPPROTO_SCTP in the -S (FMT_RULE) format; it has no short option.
  const saved = '-A --sctp-service 10.0.0.1:3868 -s rr\n-a --sctp-service 10.0.0.1:3868 -r 10.0.0.2:3868 -g -w 1\n';
  it('are created with --sctp-service and read back from ipvsadm -Sn under the same key', () => {
    assert.equal(sctp.virtualServices[0]!.key, 'sctp:10.0.0.1:3868');
    assert.deepEqual(argv(diffIpvs(want, new Map())), ['-A --sctp-service 10.0.0.1:3868 -s rr', '-a --sctp-service 10.0.0.1:3868 -r 10.0.0.2:3868 -g -w 1']);
    assert.deepEqual([...parseIpvsSave(saved).keys()], ['sctp:10.0.0.1:3868']);
    assert.deepEqual(diffIpvs(want, parseIpvsSave(saved)), []);
  });
});

describe('a DR or TUN member on another port than its service', () => {
  it('is added on the service port, as ipvsadm stores it, and a table that has it so is left alone (no add/delete churn)', () => {
    const m = loadYamlText('dr.yaml', `virtualServices:\n  - name: alt\n    address: 10.0.0.1:8080\n    forwarding: dr\n    sorryServer: { address: 127.0.0.1:80, checks: [] }\n    realServers: [{ address: 10.0.0.2:8080 }]\n`);
    const vs = m.virtualServices[0]!;
    // Every real server down: the sorry server (127.0.0.1:80, gate) stands in.
    const plan = planPool({ vs, servers: new Map([['10.0.0.2:8080', { hardState: 'down', upSince: -Infinity }]]), drained: new Set(), previousQuorumUp: undefined, now: 0 });
    const empty = parseIpvsSave('-A -t 10.0.0.1:8080 -s wrr\n');
    assert.deepEqual(diffIpvs([{ vs, plan }], empty).map((c) => c.args.join(' ')), ['-a -t 10.0.0.1:8080 -r 127.0.0.1:8080 -g -w 1']);
    const applied = parseIpvsSave('-A -t 10.0.0.1:8080 -s wrr\n-a -t 10.0.0.1:8080 -r 127.0.0.1:8080 -g -w 1\n');
    assert.deepEqual(diffIpvs([{ vs, plan }], applied), [], 'what the kernel shows is what was wanted');
  });
});
