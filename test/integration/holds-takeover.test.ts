import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';

const run = promisify(execFile);
const LEASE_MS = 1500;
const RECONCILE_MS = 500;

interface Rs {
  key: string;
  drained: boolean;
  inPool: boolean;
  admin: { mode: string; source: string; by: string | null; since: string; reason: string | null } | null;
}
interface Status {
  leadership?: { role: string; holder?: string };
  balancer: { lastReconcileAt: string | null };
  virtualServices: Array<{ realServers: Rs[] }>;
}

/**
 * Issue 25: operator holds across a takeover (real Redis, one real worker,
 * one real HAProxy, two `rsguard run` with their own state files as on two
 * hosts). A drain set on the leader stays when it is killed -9 and the
 * standby takes over; an undrain on the new leader is not undone by the old
 * one's disk when it leads again; a standby refuses a drain, naming the leader.
 */
describe('distributed mode: drains and maintenance kept in Redis across a takeover', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-holds-'));
  const prefix = `rsg-holds-${process.pid}`;
  const token = 'holds-token-0123456789';
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const backends: Backend[] = [];
  let haproxy: Haproxy;
  let worker: DaemonProcess;
  const files: string[] = [];
  const runs: Array<{ p: DaemonProcess; api: number }> = [];
  const rs = () => `127.0.0.1:${backends[0]!.port}`;

  const status = async (i: number): Promise<Status> => (await (await fetch(`http://127.0.0.1:${runs[i]!.api}/api/status`, { signal: AbortSignal.timeout(2000) })).json()) as Status;
  const server = async (i: number) => (await status(i)).virtualServices[0]!.realServers.find((r) => r.key === rs())!;
  const cli = (i: number, ...args: string[]) => run(process.execPath, [CLI, ...args, '--url', `http://127.0.0.1:${runs[i]!.api}`, '--token', token]);
  // Every process started, stopped at the end: a test that fails before its kill -9 would otherwise leave one running,
  // whose pipes keep this file alive until the runner's timeout.
  const started: DaemonProcess[] = [];
  const start = (i: number) => {
    const p = new DaemonProcess(['run', '-c', files[i]!, '--listen', `127.0.0.1:${runs[i]!.api}`]);
    started.push(p);
    return (runs[i]!.p = p);
  };
  const leads = (i: number, timeoutMs: number) => waitFor(`run ${i} leads`, async () => ((await status(i).catch(() => undefined))?.leadership?.role === 'leader' ? true : undefined), timeoutMs);
  const inRedis = async () => JSON.parse((await redis.get(`${prefix}:admin`)) ?? 'null') as { version: number; holds: Array<{ vs: string; rs: string; mode: string; by: string; reason: string; at: number; source: string }> } | null;
  const onDisk = (i: number) => JSON.parse(readFileSync(path.join(dir, `checks${i}.admin.json`), 'utf8')) as { holds: Array<{ rs: string; mode: string }> };
  /** Two full reconciles by run i after `since`: a plan without the hold would have reached HAProxy by then. */
  const reconciledSince = (i: number, since: number) =>
    waitFor(`run ${i} reconciled twice`, async () => {
      const at = (await status(i).catch(() => undefined))?.balancer.lastReconcileAt;
      return at && Date.parse(at) > since + 2 * RECONCILE_MS ? true : undefined;
    }, 15_000);

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const b = new Backend(await freePort());
      await b.start();
      backends.push(b);
    }
    haproxy = new Haproxy(`backend web\n  balance roundrobin\n${backends.map((b, i) => `  server s${i} 127.0.0.1:${b.port}\n`).join('')}`);
    await haproxy.start();
    for (let i = 0; i < 2; i++) {
      const f = path.join(dir, `rsguard${i}.yaml`);
      writeFileSync(
        f,
        `queue: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}", leaseTime: ${LEASE_MS}ms }\n` +
          `balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: ${RECONCILE_MS}ms }\n` +
          `global: { apiToken: ${token}, stateFile: ${path.join(dir, `checks${i}.json`)}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }\n` +
          `virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    haproxy: { backend: web }\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${backends.map((b, j) => `      - { address: 127.0.0.1:${b.port}, haproxyServer: s${j} }\n`).join('')}`,
      );
      files.push(f);
      runs.push({ p: undefined as unknown as DaemonProcess, api: await freePort() });
    }
    worker = new DaemonProcess(['worker', '-c', files[0]!]);
    // Run 0 leads, run 1 stands by: started in that order.
    start(0);
    await leads(0, 20_000);
    start(1);
    await waitFor('run 1 stands by', async () => ((await status(1).catch(() => undefined))?.leadership?.role === 'standby' ? true : undefined), 20_000);
    await haproxy.until('both ready', 'web', { s0: 'ready', s1: 'ready' }, 15_000);
  });
  after(async () => {
    for (const p of started) await p.stop();
    await worker?.stop();
    await haproxy?.close();
    for (const b of backends) await b.kill();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a standby refuses a drain with 503 naming the leader, and changes nothing', async () => {
    const holder = (await status(0)).leadership?.holder;
    assert.ok(holder);
    try {
      await assert.rejects(cli(1, 'drain', 'web', rs()), (err: Error & { stderr: string }) => {
        assert.match(err.stderr, /503: this scheduler stands by: drains and maintenance are set on the leader \(/);
        assert.ok(err.stderr.includes(holder), `names the leader ${holder}: ${err.stderr}`);
        return true;
      });
    } finally {
      // Had the standby taken it, the takeover below would find this drain on it and prove nothing: ended (refused when all is well).
      await cli(1, 'undrain', 'web', rs()).catch(() => undefined);
    }
    // The first leader on the queue wrote its own (none) there on taking over; the refused drain added nothing.
    assert.deepEqual((await inRedis())?.holds, [], 'nothing held in Redis');
    assert.equal((await server(1)).admin, null, 'no hold on the standby');
    assert.equal((await server(0)).admin, null, 'no hold on the leader');
  });

  it('a drain on the leader is in Redis, with who, when and why, when the API answers', async () => {
    const before = Date.now();
    const { stdout } = await cli(0, 'drain', 'web', rs(), '--reason', 'deploy 7');
    assert.match(stdout, /drained/);
    const doc = await inRedis();
    assert.equal(doc?.version, 1);
    assert.deepEqual(doc.holds.map((h) => [h.vs, h.rs, h.mode, h.source, h.by, h.reason]), [['backend:web', rs(), 'drain', 'api', '127.0.0.1', 'deploy 7']]);
    assert.ok(doc.holds[0]!.at >= before - 1000 && doc.holds[0]!.at <= Date.now(), `set at ${doc.holds[0]!.at}`);
    await haproxy.until('s0 drained by the leader', 'web', { s0: 'drain', s1: 'ready' }, 10_000);
  });

  it('kill -9 of the leader: the standby takes over and keeps the server drained (status shows who/when/why, HAProxy keeps it at drain)', async () => {
    const heldSince = (await server(0)).admin?.since;
    assert.ok(heldSince);
    const from = runs[1]!.p.mark();
    runs[0]!.p.signal('SIGKILL');
    await runs[0]!.p.waitExit();
    await leads(1, LEASE_MS + LEASE_MS / 3 + 10_000);
    await reconciledSince(1, Date.now());
    // The standby started before the drain: only the takeover's read of Redis can have told it.
    assert.deepEqual(await haproxy.summary('web', false), { s0: 'drain', s1: 'ready' }, 'HAProxy still has s0 drained after the new leader reapplied every pool');
    const s = await server(1);
    assert.equal(s.drained, true);
    assert.deepEqual([s.admin?.mode, s.admin?.source, s.admin?.by, s.admin?.reason, s.admin?.since], ['drain', 'api', '127.0.0.1', 'deploy 7', heldSince]);
    const line = await runs[1]!.p.waitForLog('holds read on taking over', (l) => l.msg === 'drains and maintenance taken from Redis on taking over', 10_000, from);
    assert.equal(line.restored, 1);
    assert.deepEqual(onDisk(1).holds.map((h) => [h.rs, h.mode]), [[rs(), 'drain']], "the new leader's disk copy follows Redis");
  });

  it("undrain on the new leader; the old leader, restarted with the drain on its disk, stands by and then leads without bringing it back", async () => {
    // Restarted while the drain still stands: its disk and Redis both have it.
    start(0);
    await waitFor('run 0 stands by', async () => ((await status(0).catch(() => undefined))?.leadership?.role === 'standby' ? true : undefined), 20_000);
    assert.deepEqual(onDisk(0).holds.map((h) => [h.rs, h.mode]), [[rs(), 'drain']]);
    await cli(1, 'undrain', 'web', rs());
    const undrained = await inRedis();
    await haproxy.until('s0 back', 'web', { s0: 'ready', s1: 'ready' }, 10_000);
    const from = runs[0]!.p.mark();
    runs[1]!.p.signal('SIGKILL');
    await runs[1]!.p.waitExit();
    await leads(0, LEASE_MS + LEASE_MS / 3 + 10_000);
    await reconciledSince(0, Date.now());
    assert.deepEqual(await haproxy.summary('web', false), { s0: 'ready', s1: 'ready' }, 'the stale drain did not reach HAProxy');
    assert.deepEqual(undrained?.holds, [], 'the undrain was in Redis when the API answered');
    const line = await runs[0]!.p.waitForLog('holds read on taking over', (l) => l.msg === 'drains and maintenance taken from Redis on taking over', 10_000, from);
    assert.deepEqual([line.restored, line.cleared], [0, 1], 'the stale drain it had ended');
    const s = await server(0);
    assert.deepEqual([s.admin, s.drained, s.inPool], [null, false, true]);
    assert.deepEqual(onDisk(0).holds, [], 'its disk copy follows Redis');
    assert.deepEqual((await inRedis())?.holds, []);
  });
});
