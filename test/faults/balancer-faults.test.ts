import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { admin, Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { QUICK_CHECKS, removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

interface Status {
  balancer: { ok: boolean; lastError: string | null };
  virtualServices: Array<{ realServers: Array<{ port: number; hardState: string }> }>;
}

/** Children of `pid` whose command line mentions `needle` (ipvsadm runs pile up if reconciles overlap). */
function childrenMatching(pid: number, needle: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

describe('balancer faults: the checker keeps checking, reports, and never guesses', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = testDir('balfault');
    dirs.push(d);
    return d;
  };
  let backend: Backend;
  before(async () => {
    backend = new Backend(await freePort());
    await backend.start();
  });
  after(async () => {
    await backend.kill();
    dirs.forEach(removeDir);
  });

  const run = async (dir: string, balancer: string) => {
    const { daemon, api } = await runDaemon(
      dir,
      (port) => `global: { listen: 127.0.0.1:${port}, startupSpread: 50ms, stateFile: false, checkDefaults: ${QUICK_CHECKS} }
balancer: ${balancer}
virtualServices:
  - { name: web, address: 10.0.0.1:80, haproxy: { backend: web }, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:${backend.port}, haproxyServer: s0 }] }
`,
    );
    const status = async () => (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as Status;
    return { daemon, status };
  };

  it('ipvsadm failing (the real one: this kernel has no IPVS) and hanging (a stand-in that sleeps): errors reported, retries back off, one ipvsadm at a time, transitions still recorded', async () => {
    // Real: the host's ipvsadm fails, "Can't initialize ipvs: Protocol not available".
    const dir = tmp();
    const real = await run(dir, '{ kind: ipvs, ipvsadm: /usr/sbin/ipvsadm, reconcileInterval: 200ms, timeout: 500ms, stateFile: ' + path.join(dir, 'owned.json') + ' }');
    try {
      const st = await waitFor('balancer error', async () => {
        const s = await real.status();
        return s.balancer.ok === false ? s : undefined;
      });
      assert.match(st.balancer.lastError ?? '', /Protocol not available|exit|initialize/i);
      const failures = () => real.daemon.logs.filter((l) => l.msg === 'balancer reconcile failed, keeping the desired pool');
      await waitFor('a few failures', () => (failures().length >= 3 ? true : undefined), 10_000);
      const backoffs = failures().map((l) => Number(l.retryInMs));
      assert.deepEqual(backoffs.slice(0, 3), [500, 1000, 2000], 'retries back off instead of hammering');
    } finally {
      await real.daemon.stop();
    }
    // Stand-in for a hung ipvsadm (a kernel lock, a stuck netlink): it sleeps well past the timeout.
    const dir2 = tmp();
    const hung = path.join(dir2, 'ipvsadm');
    writeFileSync(hung, '#!/bin/sh\nsleep 30\n');
    chmodSync(hung, 0o755);
    const h = await run(dir2, `{ kind: ipvs, ipvsadm: ${hung}, reconcileInterval: 200ms, timeout: 300ms, stateFile: ${path.join(dir2, 'owned.json')} }`);
    try {
      const st = await waitFor('timeout reported', async () => {
        const s = await h.status();
        return s.balancer.lastError?.includes('timeout') ? s : undefined;
      }, 10_000);
      assert.equal(st.balancer.ok, false);
      let most = 0;
      for (let i = 0; i < 30; i++) {
        most = Math.max(most, childrenMatching(h.daemon.pid, hung));
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(most <= 1, `${most} ipvsadm processes at once`);
      // The checker is not the balancer: a death is still seen and logged while ipvsadm hangs.
      const mark = h.daemon.mark();
      await backend.kill();
      await h.daemon.waitForLog('down seen', (l) => l.msg === 'real server state changed' && l.to === 'down', 10_000, mark);
      await backend.start();
      await h.daemon.waitForLog('up seen', (l) => l.msg === 'real server state changed' && l.to === 'up', 10_000, mark);
    } finally {
      await h.daemon.stop();
    }
    recordFault({ fault: 'ipvsadm failing (no IPVS in this kernel) and hanging', tried: 2, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'reported, backoff 0.5/1/2 s, one ipvsadm at a time' });
  });

  it('HAProxy socket stalling, then refusing, then a real HAProxy: the pool converges to the truth', async () => {
    const dir = tmp();
    const socket = path.join(dir, 'admin.sock');
    // Accepts and never answers: a wedged HAProxy master, a full accept queue.
    const stalled: net.Socket[] = [];
    const stall = net.createServer((s) => void stalled.push(s));
    await new Promise<void>((r) => stall.listen(socket, () => r()));
    const d = await run(dir, `{ kind: haproxy, socket: ${socket}, reconcileInterval: 300ms, timeout: 300ms }`);
    let haproxy: Haproxy | undefined;
    try {
      await waitFor('stall reported', async () => ((await d.status()).balancer.ok === false ? true : undefined), 10_000);
      const mark = d.daemon.mark();
      await backend.kill();
      await d.daemon.waitForLog('down seen', (l) => l.msg === 'real server state changed' && l.to === 'down', 10_000, mark);
      for (const s of stalled) s.destroy();
      await new Promise<void>((r) => stall.close(() => r()));
      // Refusing: nothing listens on the socket path now.
      writeFileSync(socket, '');
      await waitFor('refused reported', async () => ((await d.status()).balancer.lastError ?? '').match(/ECONNREFUSED|ENOTSOCK|ECONNRESET|refused/i) ?? undefined, 10_000);
      rmSync(socket);
      // The real HAProxy, its admin socket at the path rsguard was given.
      haproxy = new Haproxy(`backend web\n  server s0 127.0.0.1:${backend.port}\n`, socket);
      await haproxy.start();
      const hap = haproxy;
      await waitFor('converged: s0 in maint', async () => (admin((await hap.state('web').catch(() => []))[0]) === 'maint' ? true : undefined), 15_000);
      await waitFor('balancer ok', async () => ((await d.status()).balancer.ok ? true : undefined), 10_000);
      await backend.start();
      await waitFor('s0 ready again', async () => (admin((await hap.state('web'))[0]) === 'ready' ? true : undefined), 15_000);
    } finally {
      await d.daemon.stop();
      await haproxy?.close();
    }
    recordFault({ fault: 'HAProxy runtime socket stalling, then refusing, then back', tried: 2, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'reported; converged when HAProxy returned' });
  });
});
