import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess, type LogLine } from '../helpers/daemon-process.js';
import { admin, Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

interface Leadership {
  role: 'leader' | 'standby';
  holder?: string;
  token?: number;
}

const LEASE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three `rsguard run` on one queue (real Redis, one real worker, one real
 * HAProxy they all point at): exactly one leads; kill -9 the leader and a
 * standby takes over within the lease time, with a higher fencing token; a
 * leader paused (SIGSTOP) for twice the lease wakes to find it lost and
 * writes nothing to HAProxy from then on, while the new leader drives it;
 * a leader killed right at a transition: its DOWN is mailed exactly once.
 * Each process has its own mail spool (as on separate hosts): only Redis
 * carries mail across a takeover.
 */
describe('distributed mode: the leader lease across real processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-lease-'));
  const prefix = `rsg-lease-${process.pid}`;
  const backends: Backend[] = [];
  let haproxy: Haproxy;
  let smtp: SmtpSink;
  let worker: DaemonProcess;
  const runs: Array<{ p: DaemonProcess; api: number; alive: boolean }> = [];

  const view = async (api: number): Promise<Leadership | undefined> => {
    const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`, { signal: AbortSignal.timeout(1000) })).json()) as { leadership?: Leadership };
    return doc.leadership;
  };
  const roles = async () => Promise.all(runs.map(async (r) => (r.alive ? { r, v: await view(r.api).catch(() => undefined) } : { r, v: undefined })));
  const leaders = async () => (await roles()).filter((x) => x.v?.role === 'leader');
  const oneLeader = (what: string, timeoutMs: number) =>
    waitFor(what, async () => {
      const l = await leaders();
      return l.length === 1 ? l[0]! : undefined;
    }, timeoutMs);
  const writes = (logs: LogLine[], from = 0) => logs.slice(from).filter((l) => l.msg === 'balancer changed');

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const b = new Backend(await freePort());
      await b.start();
      backends.push(b);
    }
    haproxy = new Haproxy(`backend web\n  balance roundrobin\n${backends.map((b, i) => `  server s${i} 127.0.0.1:${b.port}\n`).join('')}`);
    await haproxy.start();
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    const config = (i: number) =>
      `queue: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}", leaseTime: ${LEASE_MS}ms }\n` +
        `balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 500ms }\n` +
        `global: { startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }\n` +
        `notify:\n  email: { to: [ops@example.com], routerId: LEASE, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 50ms, spoolDir: ${path.join(dir, `spool${i}`)} }\n` +
        `virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    haproxy: { backend: web }\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${backends.map((b, j) => `      - { address: 127.0.0.1:${b.port}, haproxyServer: s${j} }\n`).join('')}`;
    const files = [0, 1, 2].map((i) => {
      const f = path.join(dir, `rsguard${i}.yaml`);
      writeFileSync(f, config(i));
      return f;
    });
    worker = new DaemonProcess(['worker', '-c', files[0]!]);
    for (let i = 0; i < 3; i++) {
      const api = await freePort();
      runs.push({ p: new DaemonProcess(['run', '-c', files[i]!, '--listen', `127.0.0.1:${api}`]), api, alive: true });
    }
  });
  after(async () => {
    for (const r of runs) {
      r.p.signal('SIGCONT');
      await r.p.stop();
    }
    await worker?.stop();
    await haproxy?.close();
    await smtp?.stop();
    for (const b of backends) await b.kill();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three started at once: exactly one leads, the other two stand by naming it and its token', async () => {
    const leader = await oneLeader('one leader', 20_000);
    // Still one a lease time later: the standbys do not take a held lease.
    await sleep(LEASE_MS);
    const all = await roles();
    assert.equal(all.filter((x) => x.v?.role === 'leader').length, 1);
    for (const x of all.filter((y) => y.r !== leader.r)) {
      assert.equal(x.v?.role, 'standby');
      assert.equal(x.v?.holder, leader.v!.holder);
      assert.equal(x.v?.token, leader.v!.token);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${leader.r.api}/metrics`)).text();
    assert.match(metrics, new RegExp(`^rsguard_leader\\{queue="${prefix}"\\} 1$`, 'm'));
  });

  it('kill -9 of the leader: a standby takes over within the lease time plus a round, with a higher token, and drives HAProxy', async () => {
    const first = await oneLeader('a leader', 10_000);
    const killedAt = Date.now();
    first.r.p.signal('SIGKILL');
    first.r.alive = false;
    const next = await waitFor('takeover', async () => {
      const l = await leaders();
      return l.length === 1 && l[0]!.r !== first.r ? l[0]! : undefined;
    }, 20_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs <= LEASE_MS + LEASE_MS / 3 + 3000, `takeover after ${takeoverMs} ms (lease ${LEASE_MS} ms)`);
    assert.ok(next.v!.token! > first.v!.token!, `token ${next.v!.token} after ${first.v!.token}`);
    // The new leader drives the balancer: a server that dies is put in maint by it.
    const from = next.r.p.mark();
    await backends[0]!.kill();
    await haproxy.until('s0 in maint', 'web', { s0: 'maint' }, 15_000).catch(async () => assert.fail(`s0 is ${admin((await haproxy.state('web')).find((s) => s.name === 's0'))}`));
    assert.ok(writes(next.r.p.logs, from).length > 0, 'the new leader wrote the change');
    process.stdout.write(`# takeover ${takeoverMs} ms after kill -9 (lease ${LEASE_MS} ms)\n`);
  });

  it('SIGSTOP of the leader for twice the lease: another takes over; woken, the old leader writes nothing more and stands by', async () => {
    const paused = await oneLeader('a leader', 10_000);
    paused.r.p.signal('SIGSTOP');
    const resumedFrom = paused.r.p.mark();
    const next = await waitFor('takeover from the paused leader', async () => {
      const l = await leaders();
      return l.find((x) => x.r !== paused.r);
    }, 20_000);
    await sleep(Math.max(0, 2 * LEASE_MS - LEASE_MS));
    // While the old leader sleeps, the new one applies a change: s0 comes back (its backend restarts).
    await backends[0]!.start();
    await haproxy.until('s0 ready again', 'web', { s0: 'ready' }, 15_000);
    paused.r.p.signal('SIGCONT');
    const standing = await paused.r.p.waitForLog('the woken leader stands down', (l) => /^standby/.test(l.msg), 10_000, resumedFrom);
    // Whatever it had queued to write when it stopped, nothing reached HAProxy after it woke.
    await sleep(2 * 500 + 500);
    const after = writes(paused.r.p.logs, paused.r.p.logs.indexOf(standing));
    assert.deepEqual(after.map((l) => l.command), [], 'no balancer write from the old leader after it woke');
    assert.ok(!paused.r.p.logs.slice(resumedFrom).some((l) => l.msg === 'balancer changed'), 'no write at all after the pause');
    const v = await view(paused.r.api);
    assert.equal(v?.role, 'standby');
    assert.equal(v?.holder, next.v!.holder);
    assert.equal((await leaders()).length, 1);
  });

  it('kill -9 of the leader right at a transition: a standby takes over and the DOWN is mailed exactly once', async () => {
    const leader = await oneLeader('a leader', 10_000);
    const s1 = `127.0.0.1:${backends[1]!.port}`;
    const downMails = () => smtp.mails.filter((m) => new RegExp(`Realserver ${s1.replace(/\./g, '\\.')} of .* - DOWN$`).test(m.subject) || m.body.includes(`${s1} in web is DOWN`));
    assert.equal(downMails().length, 0);
    const from = leader.r.p.mark();
    await backends[1]!.kill();
    await leader.r.p.waitForLog('s1 down', (l) => l.msg === 'real server state changed' && l.rs === s1 && l.to === 'down', 15_000, from);
    leader.r.p.signal('SIGKILL');
    leader.r.alive = false;
    await waitFor('takeover', async () => {
      const l = await leaders();
      return l.length === 1 && l[0]!.r !== leader.r ? true : undefined;
    }, 20_000);
    await waitFor('the DOWN mailed', () => (downMails().length > 0 ? true : undefined), 20_000);
    // Past the mailer's retries (1 s, 2 s) and a state flush: a second copy would be here by now.
    await sleep(5000);
    assert.equal(downMails().length, 1, `DOWN mails: ${downMails().map((m) => m.subject).join(' | ')}`);
  });
});
