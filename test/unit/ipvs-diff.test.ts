import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import { planPool, type ServerHealth } from '../../src/planner/pool-plan.js';
import { cleanStopCommands, planIpvs, type IpvsPlanOptions } from '../../src/actuators/ipvs/ipvs-diff.js';
import { activeConnections, IpvsParseError, parseIpvsSave, type IpvsTable } from '../../src/actuators/ipvs/ipvs-table.js';
import { NOTHING_OWNED, type Owned } from '../../src/actuators/ownership.js';
import type { DesiredService } from '../../src/actuators/actuator.js';

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
/** Every configured service as rsguard's own (it created them), unless a test says otherwise. */
const CREATED: Owned = { services: new Set(MODEL.virtualServices.map((v) => v.key)), members: new Map() };
const diffIpvs = (d: DesiredService[], t: IpvsTable, owned: Owned = CREATED, opts: Partial<IpvsPlanOptions> = {}) => planIpvs(d, t, owned, { foreignServers: 'keep', complete: true, ...opts }).commands;

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

describe('what rsguard did not create (issue 23: foreign real servers, adopted services; issue 21: services a reload dropped)', () => {
  const web = 'tcp:10.0.0.1:80';
  const byHand = SAVED.replace('-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1\n', '-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.0.0.50:80 -g -w 7\n');
  const plan = (d: DesiredService[], t: IpvsTable, owned: Owned, opts: Partial<IpvsPlanOptions> = {}) => planIpvs(d, t, owned, { foreignServers: 'keep', complete: true, ...opts });

  it('a real server added by hand to a service rsguard created is left, and shown, by default; foreignServers: remove deletes it', () => {
    const kept = plan(desired(), parseIpvsSave(byHand), CREATED);
    assert.deepEqual(argv(kept.commands), []);
    assert.deepEqual(kept.leftAlone.get(web), { adopted: false, foreign: [{ server: '10.0.0.50:80', forwarding: 'dr', weight: 7 }], settings: [] });
    const removed = plan(desired(), parseIpvsSave(byHand), CREATED, { foreignServers: 'remove' });
    assert.deepEqual(argv(removed.commands), ['-d -t 10.0.0.1:80 -r 10.0.0.50:80']);
    assert.deepEqual(removed.removed.map((n) => n.member), ['10.0.0.50:80']);
    assert.deepEqual(removed.leftAlone.get(web)?.foreign, []);
  });
  it('a configured real server that is down is still rsguard\'s to delete, in either mode', () => {
    assert.deepEqual(argv(plan(desired(['10.0.0.2:80']), parseIpvsSave(byHand), CREATED).commands), ['-d -t 10.0.0.1:80 -r 10.0.0.2:80']);
  });
  it('a real server the config drops is deleted: the record remembers it was rsguard\'s, the hand-added one stays', () => {
    const first = plan(desired(), parseIpvsSave(byHand), CREATED);
    // The sorry server is configured too, but recorded only once it is in the table.
    assert.deepEqual([...first.owned.members.get(web)!].sort(), ['10.0.0.2:80', '10.0.0.3:80']);
    const dropped = desired().map((d) => (d.vs.key === web ? { vs: { ...d.vs, realServers: d.vs.realServers.filter((r) => r.key !== '10.0.0.3:80') }, plan: { ...d.plan, members: d.plan.members.filter((m) => m.key !== '10.0.0.3:80') } } : d));
    const next = plan(dropped, parseIpvsSave(byHand), first.owned);
    assert.deepEqual(argv(next.commands), ['-d -t 10.0.0.1:80 -r 10.0.0.3:80']);
    // Without the record it would be foreign: the record is what tells them apart.
    assert.deepEqual(argv(plan(dropped, parseIpvsSave(byHand), CREATED).commands), []);
  });
  it('a service found in the table keeps its scheduler and persistence by default, listed as left as found; remove or ownership edits it', () => {
    const drifted = parseIpvsSave(SAVED.replace('-A -f 5 -s wlc', '-A -f 5 -s rr -p 120'));
    const adopted: Owned = { services: new Set([...CREATED.services].filter((k) => !k.startsWith('fwmark'))), members: new Map() };
    const kept = plan(desired(), drifted, adopted);
    assert.deepEqual(argv(kept.commands), []);
    assert.deepEqual(kept.leftAlone.get('fwmark:5:inet'), { adopted: true, foreign: [], settings: ['scheduler rr (config: wlc)', 'persistence 120 s (config: none)'] });
    assert.deepEqual(argv(plan(desired(), drifted, adopted, { foreignServers: 'remove' }).commands), ['-E -f 5 -s wlc']);
    assert.deepEqual(argv(plan(desired(), drifted, CREATED).commands), ['-E -f 5 -s wlc']);
  });
  it('a complete plan deletes a service rsguard created that the config no longer has; one it found stays; a partial plan deletes none', () => {
    const [webD, ...rest] = desired();
    assert.equal(webD!.vs.key, web);
    const owned: Owned = { services: new Set([web, 'tcp:192.168.1.1:443']), members: new Map([[web, new Set(['10.0.0.2:80'])]]) };
    const complete = plan(rest, parseIpvsSave(SAVED), owned);
    assert.deepEqual(argv(complete.commands), ['-D -t 10.0.0.1:80', '-D -t 192.168.1.1:443']);
    assert.ok(complete.commands.every((c) => c.deletes && !c.stop));
    // Adopted (not in the record): never deleted, in either mode.
    assert.deepEqual(argv(plan(rest, parseIpvsSave(SAVED), { services: new Set(), members: new Map() }, { foreignServers: 'remove' }).commands), []);
    const partial = plan(rest, parseIpvsSave(SAVED), owned, { complete: false });
    assert.deepEqual(argv(partial.commands), []);
    assert.deepEqual([...partial.owned.services].sort(), [web, 'tcp:192.168.1.1:443']);
    assert.ok(partial.owned.members.has(web), 'a partial plan keeps the members of services it did not cover');
  });
  it('IPv6 and fwmark services a reload dropped are deleted with their own ipvsadm options', () => {
    const owned: Owned = { services: new Set(['udp:[2001:db8::53]:53', 'fwmark:5:inet']), members: new Map() };
    assert.deepEqual(argv(plan([], parseIpvsSave(SAVED), owned).commands), ['-D -u [2001:db8::53]:53', '-D -f 5']);
    assert.deepEqual(argv(plan([], parseIpvsSave('-A -f 5 -6 -s rr\n'), { services: new Set(['fwmark:5:inet6']), members: new Map() }).commands), ['-D -f 5 -6']);
  });
  it('a claim on a service gone from the table is dropped; a service being created is claimed', () => {
    const owned: Owned = { services: new Set(['tcp:10.7.7.7:80']), members: new Map() };
    assert.deepEqual([...plan([], parseIpvsSave(SAVED), owned).owned.services], []);
    assert.deepEqual([...plan(desired(), new Map(), NOTHING_OWNED).owned.services].sort(), desired().map((d) => d.vs.key).sort());
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
