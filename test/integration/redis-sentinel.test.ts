import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordFault } from '../faults/fault-rows.js';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess, type LogLine } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SentinelCluster } from '../helpers/redis-sentinel.js';
import { QUICK_CHECKS, removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';

interface Rs {
  port: number;
  state: string;
  stateType: string;
  hardState: string;
  inPool: boolean;
  stale: boolean;
  lastCheck: { ok: boolean; at: string } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Distributed mode behind Redis Sentinel (a primary, a replica, three
 * Sentinels, all real redis-servers on loopback): `rsguard run` given the
 * Sentinels in YAML, `rsguard worker` given them as a redis+sentinel:// URL.
 * The primary is killed (-9): the Sentinels promote the replica and every
 * rsguard connection follows it; while no primary answers nothing changes
 * state (the pool stays as it was); the DOWN seen before the failover stays,
 * a server killed after it goes DOWN through the new primary, nothing flaps,
 * and a scheduler restarted afterwards reads every state back from the new
 * primary.
 */
describe('distributed mode on a Sentinel-managed Redis: a failover', () => {
  const dir = testDir('sentinel');
  const cluster = new SentinelCluster(dir);
  const prefix = `rsg-sentinel-${process.pid}`;
  const backends: Backend[] = [];
  let api = 0;
  let run: DaemonProcess | undefined;
  let worker: DaemonProcess | undefined;
  let file = '';

  const servers = async (): Promise<Rs[]> => {
    const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`, { signal: AbortSignal.timeout(1000) })).json()) as { virtualServices: Array<{ realServers: Rs[] }> };
    return doc.virtualServices[0]!.realServers;
  };
  const rsOf = (i: number) => `127.0.0.1:${backends[i]!.port}`;
  const changes = (logs: LogLine[]) => logs.filter((l) => l.msg === 'real server state changed' || l.msg === 'real server soft state');

  before(async () => {
    await cluster.start();
    for (let i = 0; i < 3; i++) {
      const b = new Backend(await freePort());
      await b.start();
      backends.push(b);
    }
    const config = (port: number) =>
      `queue:\n  prefix: ${prefix}\n  leaseTime: 10s\n  redis:\n    sentinels: [${cluster.sentinelPorts.map((p) => `"127.0.0.1:${p}"`).join(', ')}]\n    name: ${cluster.name}\n` +
      `global: { listen: 127.0.0.1:${port}, startupSpread: 10ms, checkDefaults: ${QUICK_CHECKS} }\n` +
      `virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${backends.map((b) => `      - { address: 127.0.0.1:${b.port} }\n`).join('')}`;
    worker = new DaemonProcess(['worker', '--redis', cluster.url(), '--prefix', prefix, '--log-level', 'debug']);
    await worker.waitForLog('worker started', (l) => l.msg === 'rsguard worker started', 20_000);
    const started = await runDaemon(dir, config, { args: ['--log-level', 'debug'], startMs: 20_000 });
    ({ daemon: run, api, file } = started);
  });

  after(async () => {
    await run?.stop();
    await worker?.stop();
    for (const b of backends) await b.kill();
    await cluster.stop();
    removeDir(dir);
  });

  it('follows the promoted replica; nothing changes while no primary answers; no transition lost, none repeated', async () => {
    const daemon = run!;
    await waitFor('every server checked and up', async () => {
      const rs = await servers().catch(() => []);
      return rs.length === 3 && rs.every((r) => r.lastCheck?.ok && r.hardState === 'up') ? true : undefined;
    }, 20_000);
    const oldPrimary = await cluster.primary();
    assert.equal(oldPrimary, cluster.primaryPort);

    // A transition before the failover: backend 1 dies, goes DOWN.
    await backends[1]!.kill();
    await daemon.waitForLog('backend 1 down', (l) => l.msg === 'real server state changed' && l.rs === rsOf(1) && l.to === 'down', 15_000);
    // Its state reaches Redis (flushed once a second) and the replica.
    await sleep(2500);

    // kill -9 of the primary; watch the status until the Sentinels name another one.
    const killedAt = Date.now();
    const fromKill = daemon.mark();
    await cluster.kill(oldPrimary);
    const seen: Rs[][] = [];
    let newPrimary = oldPrimary;
    await waitFor('the Sentinels promote the replica', async () => {
      seen.push(await servers());
      newPrimary = await cluster.primary().catch(() => oldPrimary);
      return newPrimary !== oldPrimary ? true : undefined;
    }, 30_000, 100);
    const switchedAt = Date.now();
    assert.equal(newPrimary, cluster.replicaPort);
    process.stdout.write(`# failover: the Sentinels named the replica ${switchedAt - killedAt} ms after kill -9 of the primary\n`);

    // Every rsguard client reconnects to the new primary (ioredis names them with CLIENT SETNAME).
    const names = await waitFor('rsguard on the new primary', async () => {
      const list = await cluster.ask(newPrimary, (r) => r.client('LIST') as Promise<string>).catch(() => '');
      const found = new Set([...list.matchAll(/ name=(rsguard-[a-z]+)/g)].map((m) => m[1]!));
      return ['rsguard-scheduler', 'rsguard-events', 'rsguard-lease', 'rsguard-worker'].every((n) => found.has(n)) ? found : undefined;
    }, 20_000, 200);
    assert.ok(names.has('rsguard-lease'));

    // Checks run again through the new primary: real results dated after the switch, for every server.
    const resumed = await waitFor('fresh results after the failover', async () => {
      const rs = await servers().catch(() => []);
      return rs.length === 3 && rs.every((r) => r.lastCheck && Date.parse(r.lastCheck.at) > switchedAt && !r.stale) ? rs : undefined;
    }, 30_000, 200);
    const resumedMs = Date.now() - switchedAt;
    process.stdout.write(`# checks answered again ${resumedMs} ms after the switch\n`);
    assert.deepEqual(resumed.map((r) => [r.port, r.hardState, r.inPool]), [[backends[0]!.port, 'up', true], [backends[1]!.port, 'down', false], [backends[2]!.port, 'up', true]]);

    // While no primary answered, nothing moved: the live servers stayed up in the pool, the dead one down.
    assert.ok(seen.length > 0);
    for (const snapshot of seen) assert.deepEqual(snapshot.map((r) => [r.hardState, r.inPool]), [['up', true], ['down', false], ['up', true]], 'the pool held still');
    assert.deepEqual(changes(daemon.logs.slice(fromKill)), [], 'no state change, hard or soft, across the failover');

    // A transition after the failover: backend 2 dies and goes DOWN, through the new primary.
    const fromKill2 = daemon.mark();
    await backends[2]!.kill();
    await daemon.waitForLog('backend 2 down', (l) => l.msg === 'real server state changed' && l.rs === rsOf(2) && l.to === 'down', 15_000, fromKill2);
    await sleep(2500);
    const hard = daemon.logs.filter((l) => l.msg === 'real server state changed').map((l) => [l.rs, l.to]);
    assert.deepEqual(hard, [[rsOf(1), 'down'], [rsOf(2), 'down']], 'each death once, nothing else');
    assert.ok(!changes(daemon.logs).some((l) => l.rs === rsOf(0)), 'backend 0 never left up, not even softly');

    // The check states are on the new primary: a scheduler started now restores them, with no transition.
    await daemon.stop();
    const states = await cluster.ask(newPrimary, (r) => r.hgetall(`${prefix}:state:checks`));
    assert.equal(Object.keys(states).length, 3, 'one state per check on the new primary');
    const restartAt = Date.now();
    const again = new DaemonProcess(['run', '-c', file]);
    run = again;
    const restored = await again.waitForLog('restored', (l) => l.msg === 'check states restored', 20_000);
    assert.deepEqual([restored.from, restored.restored], ['Redis', 3]);
    const first = await waitFor('status', async () => servers().catch(() => undefined), 10_000);
    assert.deepEqual(first.map((r) => r.hardState), ['up', 'down', 'down'], 'right from the first answer');
    await waitFor('a fresh round after the restart', async () => {
      const rs = await servers().catch(() => []);
      return rs.length === 3 && rs.every((r) => r.lastCheck && Date.parse(r.lastCheck.at) > restartAt) ? true : undefined;
    }, 30_000, 200);
    assert.deepEqual(again.logs.filter((l) => l.msg === 'real server state changed'), [], 'no transition after the restart');
    recordFault({ fault: 'Redis primary SIGKILLed behind Sentinel, replica promoted (distributed mode)', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `every connection on the promoted replica; checks answered again ${resumedMs} ms after the Sentinels switched (${switchedAt - killedAt} ms after the kill); pool held meanwhile; states restored from the new primary` });
  });

  it('a primary demoted while it still runs (SENTINEL FAILOVER): every client leaves it for the new one', async () => {
    const daemon = run!;
    const demoted = await cluster.primary();
    const promoted = demoted === cluster.primaryPort ? cluster.replicaPort : cluster.primaryPort;
    // The server killed in the first test comes back as a replica, and the Sentinels hand it the primary's role.
    await cluster.startReplica(promoted, demoted);
    await waitFor('every server checked', async () => ((await servers().catch(() => [])).every((r) => r.lastCheck && !r.stale) ? true : undefined), 20_000);
    const from = daemon.mark();
    await cluster.failover();
    await waitFor('the Sentinels switch the primary', async () => ((await cluster.primary().catch(() => demoted)) === promoted ? true : undefined), 30_000, 100);
    const switchedAt = Date.now();
    const rsguardOn = async (port: number) => {
      const list = await cluster.ask(port, (r) => r.client('LIST') as Promise<string>).catch(() => '');
      return new Set([...list.matchAll(/ name=(rsguard-[a-z]+)/g)].map((m) => m[1]!));
    };
    const clients = ['rsguard-scheduler', 'rsguard-events', 'rsguard-lease', 'rsguard-worker'];
    await waitFor('every rsguard client on the promoted server, none left on the demoted one', async () => {
      const [on, left] = [await rsguardOn(promoted), await rsguardOn(demoted)];
      return clients.every((n) => on.has(n)) && clients.every((n) => !left.has(n)) ? true : undefined;
    }, 20_000, 200);
    const movedMs = Date.now() - switchedAt;
    // Backend 2 comes back: UP, through the new primary.
    await backends[2]!.start();
    await daemon.waitForLog('backend 2 up', (l) => l.msg === 'real server state changed' && l.rs === rsOf(2) && l.to === 'up', 20_000, from);
    await waitFor('fresh results after the switch', async () => {
      const rs = await servers().catch(() => []);
      return rs.length === 3 && rs.every((r) => r.lastCheck && Date.parse(r.lastCheck.at) > switchedAt && !r.stale) ? true : undefined;
    }, 30_000, 200);
    assert.deepEqual(daemon.logs.slice(from).filter((l) => l.msg === 'real server state changed').map((l) => [l.rs, l.to]), [[rsOf(2), 'up']], 'that one transition, nothing else');
    assert.ok(!changes(daemon.logs.slice(from)).some((l) => l.rs === rsOf(0) || l.rs === rsOf(1)), 'the other two held still');
    recordFault({ fault: 'Redis primary demoted while running (SENTINEL FAILOVER, distributed mode)', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `no connection left on the demoted server (${movedMs} ms after the switch); the next transition applied through the new primary` });
  });
});
