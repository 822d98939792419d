import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { recordFault } from '../faults/fault-rows.js';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { admin, Haproxy } from '../helpers/haproxy.js';
import { mailSettled } from '../helpers/mail-settled.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { SocketTap } from '../helpers/socket-tap.js';

interface Leadership {
  role: 'leader' | 'standby';
  holder?: string;
  token?: number;
}
interface Run {
  p: DaemonProcess;
  api: number;
  tap: SocketTap;
  /** Each process mails under its own router id (as hosts do): a mail's subject names its sender. */
  router: string;
  alive: boolean;
}

const LEASE_MS = 1500;
/** A standby asks for the lease every third of it: a takeover comes within the lease time plus this. */
const ROUND_MS = LEASE_MS / 3;
/** Generous: a loaded 2-core box delays a process's first round after the lease ran out. */
const MARGIN_MS = 3000;
const KILLS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 25, with real processes: `rsguard run` on one queue (real Redis, one
 * real worker, one real HAProxy), each writing to HAProxy through a tap of its
 * own on the runtime socket, so every balancer write is counted per process
 * where HAProxy receives it. Exactly one of three leads; kill -9 of the
 * leader: a standby takes over within the lease time plus a round, with a
 * higher fencing token; a leader paused (SIGSTOP) for twice the lease wakes
 * without it and neither writes nor mails from then on; the leader killed
 * right at a transition, ten times over: every transition reaches HAProxy and
 * is mailed exactly once, and the pool never flaps. Each process has its own
 * mail spool (as on separate hosts): only Redis carries mail across a takeover.
 */
describe('distributed mode: the leader lease across real processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-lease-'));
  const prefix = `rsg-lease-${process.pid}`;
  const backends: Backend[] = [];
  let haproxy: Haproxy;
  let smtp: SmtpSink;
  let worker: DaemonProcess;
  const runs: Run[] = [];
  const rsOf = (i: number) => `127.0.0.1:${backends[i]!.port}`;

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
  const config = (i: number, tap: string) =>
    `queue: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}", leaseTime: ${LEASE_MS}ms }\n` +
    `balancer: { kind: haproxy, socket: ${tap}, reconcileInterval: 500ms }\n` +
    `global: { startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }\n` +
    `notify:\n  email: { to: [ops@example.com], routerId: LEASE${i}, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 50ms, spoolDir: ${path.join(dir, `spool${i}`)} }\n` +
    `virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    haproxy: { backend: web }\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${backends.map((b, j) => `      - { address: 127.0.0.1:${b.port}, haproxyServer: s${j} }\n`).join('')}`;
  /** One more `rsguard run` on the queue, with its own tap, spool and router id. */
  const spawnRun = async (): Promise<Run> => {
    const i = runs.length;
    const tap = new SocketTap(path.join(dir, `tap${i}.sock`), haproxy.socket);
    await tap.start();
    const file = path.join(dir, `rsguard${i}.yaml`);
    writeFileSync(file, config(i, tap.path));
    const api = await freePort();
    const run = { p: new DaemonProcess(['run', '-c', file, '--listen', `127.0.0.1:${api}`]), api, tap, router: `LEASE${i}`, alive: true };
    runs.push(run);
    return run;
  };
  /** Back to three alive, each new one standing by under the current leader. */
  const replenish = async () => {
    const fresh: Run[] = [];
    while (runs.filter((r) => r.alive).length < 3) fresh.push(await spawnRun());
    for (const r of fresh) await waitFor('a new scheduler stands by', async () => ((await view(r.api).catch(() => undefined))?.role === 'standby' ? true : undefined), 20_000);
  };
  /** `set server web/sN state X` as HAProxy received them from every process, in order. */
  const stateWrites = (server: string, since: number) =>
    runs
      .flatMap((r) => r.tap.writes(since).map((w) => ({ ...w, router: r.router })))
      .map((w) => ({ ...w, state: new RegExp(`^set server web/${server} state (\\w+)$`).exec(w.command)?.[1] }))
      .filter((w): w is typeof w & { state: string } => w.state !== undefined)
      .sort((a, b) => a.at - b.at);
  /** Lines of mail bodies naming `what` (a digest may carry several), with the router id of the mail's sender. */
  const mailed = (what: string, fromMail = 0) =>
    smtp.mails.slice(fromMail).flatMap((m) => m.body.split('\n').filter((l) => l.includes(what)).map(() => /^\[(\w+)\]/.exec(m.subject)?.[1] ?? '?'));

  /** On a failure: what each process said about leading, transitions, the balancer and mail since `since`. */
  const dumpLogs = (since: number) => {
    const lines = runs.flatMap((r) =>
      r.p.logs
        .filter((l) => (l.time as number) >= since && /leader|standby|state changed|balancer changed|mail|restored|took/.test(l.msg))
        .map((l) => ({ t: l.time as number, text: `${r.router} ${JSON.stringify(l)}` })),
    );
    for (const l of lines.sort((a, b) => a.t - b.t)) process.stdout.write(`# ${l.text}\n`);
    for (const m of smtp.mails) process.stdout.write(`# mail: ${m.subject} | ${m.body.split('\n').filter((b) => / in web is /.test(b)).join(' | ')}\n`);
  };

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
    for (let i = 0; i < 3; i++) await spawnRun();
    worker = new DaemonProcess(['worker', '-c', path.join(dir, 'rsguard0.yaml')]);
  });
  after(async () => {
    for (const r of runs) {
      r.p.signal('SIGCONT');
      await r.p.stop();
      await r.tap.close();
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

  it('three started at once: exactly one leads, the other two stand by naming it and its token and write nothing to HAProxy', async () => {
    const leader = await oneLeader('one leader', 20_000);
    // Still one a lease time later: the standbys do not take a held lease.
    await sleep(LEASE_MS);
    const all = await roles();
    assert.equal(all.filter((x) => x.v?.role === 'leader').length, 1);
    for (const x of all.filter((y) => y.r !== leader.r)) {
      assert.equal(x.v?.role, 'standby');
      assert.equal(x.v?.holder, leader.v!.holder);
      assert.equal(x.v?.token, leader.v!.token);
      assert.deepEqual(x.r.tap.writes().map((w) => w.command), [], `${x.r.router} stands by and wrote nothing`);
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
    const took = await next.r.p.waitForLog('the takeover logged', (l) => /^leader:/.test(l.msg) && (l.time as number) >= killedAt, 5000);
    const takeoverMs = (took.time as number) - killedAt;
    assert.ok(takeoverMs <= LEASE_MS + ROUND_MS + MARGIN_MS, `takeover after ${takeoverMs} ms (lease ${LEASE_MS} ms)`);
    assert.ok(next.v!.token! > first.v!.token!, `token ${next.v!.token} after ${first.v!.token}`);
    // The new leader drives the balancer: a server that dies is put in maint by it, through its own tap.
    const from = Date.now();
    await backends[0]!.kill();
    await haproxy.until('s0 in maint', 'web', { s0: 'maint' }, 15_000).catch(async () => assert.fail(`s0 is ${admin((await haproxy.state('web')).find((s) => s.name === 's0'))}`));
    assert.deepEqual(stateWrites('s0', from).map((w) => [w.router, w.state]), [[next.r.router, 'maint']], 'the new leader wrote the change, nobody else');
    process.stdout.write(`# takeover ${takeoverMs} ms after kill -9 (lease ${LEASE_MS} ms)\n`);
  });

  it('SIGSTOP of the leader for twice the lease: another takes over; woken, the old leader writes nothing to HAProxy, mails nothing and stands by', async () => {
    await replenish();
    const paused = await oneLeader('a leader', 10_000);
    const pausedAt = Date.now();
    paused.r.p.signal('SIGSTOP');
    const resumedFrom = paused.r.p.mark();
    const next = await waitFor('takeover from the paused leader', async () => (await leaders()).find((x) => x.r !== paused.r), 20_000);
    const took = await next.r.p.waitForLog('the takeover logged', (l) => /^leader:/.test(l.msg) && (l.time as number) >= pausedAt, 5000);
    const lostAt = took.time as number;
    const mailsFrom = smtp.mails.length;
    await sleep(Math.max(0, pausedAt + 2 * LEASE_MS - Date.now()));
    // While the old leader sleeps, the new one applies a change (s0 comes back) and mails it: the old one saw s0 down.
    await backends[0]!.start();
    await haproxy.until('s0 ready again', 'web', { s0: 'ready' }, 15_000);
    await waitFor('the UP mailed by the new leader', () => (mailed(`${rsOf(0)} in web is UP again`, mailsFrom).length ? true : undefined), 15_000);
    paused.r.p.signal('SIGCONT');
    await paused.r.p.waitForLog('the woken leader stands down', (l) => /^standby/.test(l.msg), 10_000, resumedFrom);
    // Two reconcile intervals and a mail retry: whatever it had queued to write or mail when it stopped had its chance.
    await sleep(2 * 500 + 1500);
    assert.deepEqual(paused.r.tap.writes(lostAt).map((w) => w.command), [], 'no command reached HAProxy from the old leader once the lease was another\'s');
    assert.ok(!paused.r.p.logs.slice(resumedFrom).some((l) => l.msg === 'balancer changed'), 'no write at all after the pause');
    const itsMail = smtp.mails.slice(mailsFrom).filter((m) => m.subject.startsWith(`[${paused.r.router}]`));
    assert.deepEqual(itsMail.map((m) => m.subject), [], 'no mail from the old leader once the lease was another\'s');
    assert.deepEqual(mailed(`${rsOf(0)} in web is UP again`, mailsFrom), [next.r.router], 'the UP mailed once, by the new leader');
    const v = await view(paused.r.api);
    assert.equal(v?.role, 'standby');
    assert.equal(v?.holder, next.v!.holder);
    assert.equal((await leaders()).length, 1);
  });

  it(`kill -9 of the leader right at a transition, ${KILLS} times: each takeover within the lease time plus a round, no transition lost, no flap, each DOWN and UP mailed exactly once`, async () => {
    await replenish();
    const s1 = rsOf(1);
    await haproxy.until('both ready', 'web', { s0: 'ready', s1: 'ready' }, 15_000);
    const since = Date.now();
    const mailsFrom = smtp.mails.length;
    const downs = () => mailed(`${s1} in web is DOWN`, mailsFrom);
    const ups = () => mailed(`${s1} in web is UP again`, mailsFrom);
    // Never two leaders at once, sampled all along (the lease's own clock margin is what makes this hold).
    let mostLeaders = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        mostLeaders = Math.max(mostLeaders, (await leaders()).length);
        await sleep(200);
      }
    })();
    const rows: Array<{ to: string; delayMs: number; takeoverMs: number; appliedBy: string; mailedBy: string; lost: string[] }> = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        const to = i % 2 === 0 ? 'down' : 'up';
        const want = to === 'down' ? 'maint' : 'ready';
        const mails = to === 'down' ? downs : ups;
        const mailedBefore = mails().length;
        // 0 to 200 ms after the transition shows in the log: the kill falls before or after the balancer write, before the
        // mail (50 ms digest window) or after it, and before the check state's periodic flush to Redis (once a second).
        const delayMs = (i % 5) * 50;
        const leader = await oneLeader(`a leader before kill ${i}`, 10_000);
        const from = leader.r.p.mark();
        if (to === 'down') await backends[1]!.kill();
        else await backends[1]!.start();
        const seen = await leader.r.p.waitForLog(`s1 ${to}`, (l) => l.msg === 'real server state changed' && l.rs === s1 && l.to === to, 15_000, from);
        await sleep(delayMs);
        leader.r.p.signal('SIGKILL');
        const killedAt = Date.now();
        leader.r.alive = false;
        const next = await waitFor(`takeover ${i}`, async () => {
          const l = await leaders();
          return l.length === 1 && l[0]!.r !== leader.r ? l[0]! : undefined;
        }, 20_000);
        const took = await next.r.p.waitForLog('the takeover logged', (l) => /^leader:/.test(l.msg) && (l.time as number) >= killedAt, 5000);
        const takeoverMs = (took.time as number) - killedAt;
        assert.ok(takeoverMs <= LEASE_MS + ROUND_MS + MARGIN_MS, `kill ${i}: takeover after ${takeoverMs} ms (lease ${LEASE_MS} ms)`);
        assert.ok(next.v!.token! > leader.v!.token!, `kill ${i}: token ${next.v!.token} after ${leader.v!.token}`);
        // Not lost: HAProxy has it and it is mailed, by whichever of the two got to it. Noted and carried on, so one
        // run shows every kill that lost something.
        const lost: string[] = [];
        await haproxy.until(`s1 ${want} after kill ${i}`, 'web', { s0: 'ready', s1: want }, 15_000).catch(() => lost.push('balancer'));
        await waitFor(`the ${to.toUpperCase()} of kill ${i} mailed`, () => (mails().length > mailedBefore ? true : undefined), 10_000).catch(() => lost.push('mail'));
        const appliedBy = stateWrites('s1', seen.time as number).find((w) => w.state === want)?.router;
        const mailedBy = mails().length > mailedBefore ? mails().at(-1) : undefined;
        const who = (router: string | undefined) => (router === undefined ? 'nobody' : router === leader.r.router ? 'old' : 'new');
        rows.push({ to, delayMs, takeoverMs, appliedBy: who(appliedBy), mailedBy: who(mailedBy), lost });
        process.stdout.write(`# kill ${i} at ${to.toUpperCase()} +${delayMs} ms: takeover ${takeoverMs} ms, applied by the ${who(appliedBy)} leader, mailed by the ${who(mailedBy)}${lost.length ? `; LOST: ${lost.join(', ')}` : ''}\n`);
        await replenish();
      }
    } finally {
      sampling = false;
      await sampler;
    }
    for (const r of runs.filter((x) => x.alive)) await mailSettled(r.p, r.api);
    const times = rows.map((r) => r.takeoverMs).sort((a, b) => a - b);
    process.stdout.write(`# takeover after kill -9 (lease ${LEASE_MS} ms): min ${times[0]} median ${times[Math.floor(times.length / 2)]} max ${times.at(-1)} ms\n`);
    const lost = rows.flatMap((r, i) => r.lost.map((what) => `kill ${i}: ${what}`));
    const expected = rows.map((r) => (r.to === 'down' ? 'maint' : 'ready'));
    // Each state s1 took in HAProxy, repeats of the same state by a new leader folded: one per transition, none between.
    const writes = stateWrites('s1', since);
    const states = writes.map((w) => w.state).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    const flaps = Math.max(0, states.length - expected.length) + stateWrites('s0', since).length;
    process.stdout.write(`# s1 written: ${writes.map((w) => `${w.router}:${w.state}`).join(' ')}\n`);
    if (lost.length || flaps || downs().length !== KILLS / 2 || ups().length !== KILLS / 2) dumpLogs(since);
    assert.deepEqual(lost, [], 'every transition reached HAProxy and was mailed');
    assert.deepEqual(states, expected, "s1's states in HAProxy, one per transition");
    assert.deepEqual(stateWrites('s0', since).map((w) => w.state), [], 's0, up throughout, was never written');
    // Once per transition by its identity: the Message-ID (the transition's event ids, the same in every scheduler). A
    // leader killed after SMTP's 250 and before its sent mark reached Redis (one round trip, docs/operations.md) leaves
    // the mail in the outbox and the next leader sends it again under the same Message-ID, which mail readers fold: at
    // most one such copy in the run, shown; a second mail with an identity of its own fails.
    const byId = (what: string) => {
      const ids = smtp.mails.slice(mailsFrom).filter((m) => m.body.includes(what)).map((m) => m.messageId);
      return { ids: new Set(ids).size, copies: ids.length - new Set(ids).size };
    };
    const down = byId(`${s1} in web is DOWN`);
    const up = byId(`${s1} in web is UP again`);
    assert.equal(down.ids, KILLS / 2, `DOWN mails: ${JSON.stringify(downs())}`);
    assert.equal(up.ids, KILLS / 2, `UP mails: ${JSON.stringify(ups())}`);
    const copies = down.copies + up.copies;
    if (copies) process.stdout.write(`# ${copies} mail(s) sent again by the next leader under the same Message-ID (killed between SMTP's 250 and the sent mark)\n`);
    assert.ok(copies <= 1, `${copies} mails sent twice with one Message-ID in ${KILLS} kills: the window between SMTP's answer and the sent mark is wider than one Redis round trip`);
    // Event lines only: every mail's pool table names s0 too.
    const other = smtp.mails.slice(mailsFrom).filter((m) => m.body.includes(`${rsOf(0)} in web is`) || /FLAPPING/.test(m.subject));
    assert.deepEqual(other.map((m) => m.subject), [], 'no mail about s0 and no flapping');
    assert.equal(mostLeaders, 1, 'never two leaders at once');
    recordFault({
      fault: 'leader scheduler SIGKILLed right at a transition (distributed mode, 3 schedulers)',
      tried: KILLS,
      transitionsLost: 0,
      mailsLost: 0,
      mailsDuplicated: 0,
      poolFlaps: flaps,
      crashes: 0,
      note: `takeover ${times[0]}-${times.at(-1)} ms (median ${times[Math.floor(times.length / 2)]}) at a ${LEASE_MS} ms lease; each DOWN/UP in HAProxy and mailed once${copies ? ` (${copies} sent again by the next leader under the same Message-ID: killed between SMTP's answer and the sent mark)` : ''}`,
    });
  });
});
