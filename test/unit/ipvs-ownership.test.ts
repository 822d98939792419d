import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { reconcile, type DesiredService } from '../../src/actuators/actuator.js';
import { dryRun } from '../../src/actuators/dry-run.js';
import { reconfigureBalancer } from '../../src/actuators/reconfigure.js';
import type { CommandRunner } from '../../src/actuators/ipvs/command-runner.js';
import { IpvsActuator } from '../../src/actuators/ipvs/ipvs-actuator.js';
import { fileOwnership, formatOwned, parseOwned, type OwnershipStore } from '../../src/actuators/ownership.js';
import { loadYamlText } from '../../src/config/load.js';
import { planPool, type ServerHealth } from '../../src/planner/pool-plan.js';

/**
 * The actuator's record of what it created and manages, across plans and
 * restarts. This machine's kernel has no IPVS, so ipvsadm is a stand-in
 * here that keeps a `-Sn` table of TCP services in memory; the real kernel
 * runs the same steps in test/integration/ipvs-ownership-vm.test.ts.
 */
function standIn(lines: string[] = []): CommandRunner & { lines: string[]; calls: string[][]; onCall?: (args: string[]) => void } {
  const apply = (tokens: string[]) => {
    const [op, proto, svc] = tokens as [string, string, string];
    const svcLine = (l: string) => l.startsWith(`-A ${proto} ${svc} `);
    const dest = tokens[tokens.indexOf('-r') + 1];
    const destOf = (l: string) => l.startsWith(`-a ${proto} ${svc} -r ${dest} `);
    const at = r.lines.findIndex(svcLine);
    if (op === '-A') r.lines.push(`-A ${proto} ${svc} ${tokens.slice(3).join(' ')}`);
    else if (op === '-E') r.lines[at] = `-A ${proto} ${svc} ${tokens.slice(3).join(' ')}`;
    else if (op === '-D') r.lines = r.lines.filter((l) => !l.includes(` ${proto} ${svc} `));
    else if (op === '-a') r.lines.push(`-a ${proto} ${svc} ${tokens.slice(3).join(' ')}`);
    else if (op === '-e') r.lines[r.lines.findIndex(destOf)] = `-a ${proto} ${svc} ${tokens.slice(3).join(' ')}`;
    else if (op === '-d') r.lines = r.lines.filter((l) => !destOf(l));
  };
  const r = {
    bin: 'ipvsadm',
    lines,
    calls: [] as string[][],
    onCall: undefined as ((args: string[]) => void) | undefined,
    async run(args: string[], stdin?: string) {
      r.calls.push(args);
      r.onCall?.(args);
      if (args[0] === '-Sn') {
        // ipvsadm prints each service followed by its destinations.
        const services = r.lines.filter((l) => l.startsWith('-A'));
        const text = services.flatMap((s) => [s, ...r.lines.filter((l) => l.startsWith(`-a ${s.split(' ').slice(1, 3).join(' ')} `))]).join('\n');
        return { code: 0, stdout: text ? `${text}\n` : '', stderr: '' };
      }
      if (args[0] === '-R') for (const l of (stdin ?? '').split('\n').filter(Boolean)) apply(l.split(' '));
      else apply(args);
      return { code: 0, stdout: '', stderr: '' };
    },
  };
  return r;
}

const model = (services: string) =>
  loadYamlText('t.yaml', `virtualServices:\n${services}`).virtualServices.map((vs): DesiredService => {
    const servers = new Map<string, ServerHealth>(vs.realServers.map((rs) => [rs.key, { hardState: 'up', upSince: -Infinity }]));
    return { vs, plan: planPool({ vs, servers, drained: new Set(), previousQuorumUp: undefined, now: 0 }) };
  });
const WEB = '  - { name: web, address: 10.0.0.1:80, realServers: [{ address: 10.0.1.1:80 }, { address: 10.0.1.2:80 }] }\n';
const WEB_ONE = '  - { name: web, address: 10.0.0.1:80, realServers: [{ address: 10.0.1.1:80 }] }\n';
const LATER = '  - { name: later, address: 10.0.0.6:80, realServers: [{ address: 10.0.1.1:80 }] }\n';

describe('the IPVS ownership record', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvs-own-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = () => path.join(dir, `owned-${++n}.json`);
  const read = (f: string) => parseOwned(readFileSync(f, 'utf8'), f);

  it('reads version 1 (services only) and writes version 2 sorted, so an unchanged record is the same text', () => {
    const v1 = parseOwned('{"version":1,"services":["tcp:10.0.0.1:80"]}', 'x');
    assert.deepEqual([...v1.services], ['tcp:10.0.0.1:80']);
    assert.equal(v1.members.size, 0);
    const text = formatOwned({ services: new Set(['b', 'a']), members: new Map([['b', new Set(['2', '1'])]]) });
    assert.equal(text, '{"version":2,"services":["a","b"],"members":{"b":["1","2"]}}\n');
    assert.throws(() => parseOwned('{"version":2,"services":["a"],"members":{"a":[1]}}', 'f.json'), /f\.json: not an rsguard ownership file/);
  });

  it('survives a restart: a service created by the first run and dropped from the config is deleted by the second; one found in the table is not', async () => {
    const f = file();
    const ipvs = standIn(['-A -t 10.0.0.9:80 -s rr']);
    const first = new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) });
    await reconcile(first, model(WEB + LATER + '  - { name: found, address: 10.0.0.9:80, realServers: [{ address: 10.0.1.1:80 }] }\n'), { complete: true });
    assert.deepEqual([...read(f).services].sort(), ['tcp:10.0.0.1:80', 'tcp:10.0.0.6:80']);
    // A restart: a new actuator, the same file, a config without `later` and without `found`.
    const second = new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) });
    const report = await reconcile(second, model(WEB), { complete: true });
    assert.deepEqual(report.changes.map((c) => c.command), ['ipvsadm -D -t 10.0.0.6:80']);
    assert.ok(ipvs.lines.includes('-A -t 10.0.0.9:80 -s rr'), 'the service found in the table stays');
    assert.deepEqual([...read(f).services], ['tcp:10.0.0.1:80']);
  });

  it('a reconcile of some pools deletes nothing the config dropped: it does not see the rest', async () => {
    const ipvs = standIn();
    const a = new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(file()) });
    await reconcile(a, model(WEB + LATER), { complete: true });
    assert.deepEqual((await reconcile(a, model(WEB))).changes, []);
    assert.deepEqual((await reconcile(a, model(WEB), { complete: true })).changes.map((c) => c.command), ['ipvsadm -D -t 10.0.0.6:80']);
  });

  it('a real server the config drops is deleted after a restart too: the record names the members rsguard manages', async () => {
    const f = file();
    const ipvs = standIn();
    await reconcile(new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) }), model(WEB), { complete: true });
    ipvs.lines.push('-a -t 10.0.0.1:80 -r 10.0.1.50:80 -g -w 1');
    const report = await reconcile(new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) }), model(WEB_ONE), { complete: true });
    assert.deepEqual(report.changes.map((c) => c.command), ['ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.2:80']);
    assert.ok(ipvs.lines.includes('-a -t 10.0.0.1:80 -r 10.0.1.50:80 -g -w 1'), 'the hand-added one stays');
  });

  it('the claim on a service is on disk before the -A that creates it runs', async () => {
    const f = file();
    const ipvs = standIn();
    const seen: string[] = [];
    ipvs.onCall = (args) => {
      if (args[0] === '-R' || args[0] === '-A') seen.push(readFileSync(f, 'utf8'));
    };
    await reconcile(new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) }), model(WEB), { complete: true });
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /"services":\["tcp:10\.0\.0\.1:80"\]/);
  });

  it('a foreign real server is told once, and again if it goes and comes back; foreignServers can change on a reload', async () => {
    const ipvs = standIn();
    const a = new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(file()) });
    await reconcile(a, model(WEB), { complete: true });
    ipvs.lines.push('-a -t 10.0.0.1:80 -r 10.0.1.50:80 -g -w 1');
    const told = async () => ((await reconcile(a, model(WEB), { complete: true })).notes ?? []).map((x) => x.member);
    assert.deepEqual(await told(), ['10.0.1.50:80']);
    assert.deepEqual(await told(), []);
    assert.deepEqual(a.leftAlone('tcp:10.0.0.1:80')?.foreign.map((x) => x.server), ['10.0.1.50:80']);
    ipvs.lines = ipvs.lines.filter((l) => !l.includes('10.0.1.50'));
    assert.deepEqual(await told(), []);
    ipvs.lines.push('-a -t 10.0.0.1:80 -r 10.0.1.50:80 -g -w 1');
    assert.deepEqual(await told(), ['10.0.1.50:80']);
    assert.deepEqual(a.reconfigure({ kind: 'ipvs', reconcileIntervalMs: 1000, foreignServers: 'remove' } as never), ['cleanStop', 'foreignServers', 'timeouts', 'syncDaemon']);
    const report = await reconcile(a, model(WEB), { complete: true });
    assert.deepEqual(report.changes.map((c) => c.command), ['ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.50:80']);
    assert.match(report.notes?.[0]?.message ?? '', /removed \(foreignServers: remove\)/);
  });

  it('a dry run plans the deletions but writes neither the table nor the record', async () => {
    const f = file();
    const ipvs = standIn();
    await reconcile(new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) }), model(WEB + LATER), { complete: true });
    const before = readFileSync(f, 'utf8');
    const tableBefore = [...ipvs.lines];
    const report = await reconcile(dryRun(new IpvsActuator(ipvs, { cleanStop: false, ownership: fileOwnership(f) })), model(WEB), { complete: true });
    assert.deepEqual(report.changes.map((c) => [c.command, c.applied]), [['ipvsadm -D -t 10.0.0.6:80', false]]);
    assert.equal(readFileSync(f, 'utf8'), before);
    assert.deepEqual(ipvs.lines, tableBefore);
  });

  it('a record that cannot be written is reported once per change, not at every reconcile', async () => {
    let saves = 0;
    const broken: OwnershipStore = {
      load: async () => ({ services: new Set(), members: new Map() }),
      save: async () => {
        saves++;
        throw new Error('EROFS: read-only file system');
      },
    };
    const a = new IpvsActuator(standIn(), { cleanStop: false, ownership: broken });
    const first = await reconcile(a, model(WEB), { complete: true });
    assert.deepEqual(first.problems.map((p) => p.vs), ['web']);
    assert.match(first.problems[0]!.message, /created, but not recorded as rsguard's .*EROFS/);
    assert.deepEqual((await reconcile(a, model(WEB), { complete: true })).problems, []);
    assert.equal(saves, 1);
  });

  it('an unreadable record owns nothing and says so once', async () => {
    const f = file();
    writeFileSync(f, 'not json');
    const ipvs = standIn(['-A -t 10.0.0.1:80 -s wrr']);
    const a = new IpvsActuator(ipvs, { cleanStop: true, ownership: fileOwnership(f) });
    const first = await reconcile(a, model(WEB), { complete: true });
    assert.match(first.problems[0]?.message ?? '', /cannot be read/);
    assert.deepEqual((await reconcile(a, model(WEB), { complete: true })).problems, []);
    assert.deepEqual(await a.planStop(model(WEB)), [], 'the service it found is not deleted on stop');
  });
});

describe('balancer settings on a reload', () => {
  const ipvs = { kind: 'ipvs', reconcileIntervalMs: 10_000, ipvsadm: 'ipvsadm', cleanStop: true, foreignServers: 'keep', stateFile: '/a.json', timeoutMs: 5000 };
  it('the IPVS actuator takes cleanStop and foreignServers live; another setting, or another kind, is named as needing a restart', () => {
    const a = new IpvsActuator(standIn(), { cleanStop: true });
    assert.deepEqual(reconfigureBalancer(a, ipvs, { ...ipvs, foreignServers: 'remove', cleanStop: false, reconcileIntervalMs: 1000 } as never), []);
    assert.deepEqual(reconfigureBalancer(a, ipvs, { ...ipvs, foreignServers: 'remove', stateFile: '/b.json' } as never), ['stateFile']);
    assert.deepEqual(reconfigureBalancer(a, ipvs, { kind: 'haproxy', reconcileIntervalMs: 10_000 }), ['kind']);
  });
  it('a balancer that takes nothing live has every changed setting named (it was silently ignored before)', () => {
    const none = { kind: 'haproxy', plan: async () => ({ commands: [], problems: [] }), apply: async () => ({ changes: [], problems: [] }), planStop: async () => [], activeConnections: async () => 0 };
    assert.deepEqual(reconfigureBalancer(none, { kind: 'haproxy', reconcileIntervalMs: 1, socket: '/a' } as never, { kind: 'haproxy', reconcileIntervalMs: 2, socket: '/b' } as never), ['socket']);
  });
});
