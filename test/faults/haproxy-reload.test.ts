import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

const TOKEN = 'reload-test-token-0123456789';

/**
 * What client traffic through the frontend met: answers from the live and the
 * drained server, 5xx (HAProxy sent the request to the dead server: `retries
 * 0`, so one refused connection is a 503), and requests that reached no
 * HAProxy at all (its listener closed while it restarts: not a held-out server).
 */
interface Traffic {
  ok: number;
  drained: number;
  failed: number;
  noFrontend: number;
}

/** Requests through HAProxy, one at a time on fresh connections, until stopped (bounded by `maxMs`). */
function clientTraffic(port: number, maxMs: number): { stop(): Promise<Traffic> } {
  const t: Traffic = { ok: 0, drained: 0, failed: 0, noFrontend: 0 };
  let stopped = false;
  const until = Date.now() + maxMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200) t.failed++;
          else if (body === 'drained') t.drained++;
          else t.ok++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        t.noFrontend++;
        resolve();
      });
    });
  const loop = (async () => {
    while (!stopped && Date.now() < until) {
      await one();
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return t;
    },
  };
}

describe('HAProxy reloaded or restarted: servers rsguard holds out stay out', () => {
  const dirs: string[] = [];
  let live: Backend;
  let drainedBackend: Backend;
  let deadPort: number;
  before(async () => {
    live = new Backend(await freePort(), 'live');
    drainedBackend = new Backend(await freePort(), 'drained');
    deadPort = await freePort();
    await live.start();
    await drainedBackend.start();
  });
  after(async () => {
    await live.kill();
    await drainedBackend.kill();
    dirs.forEach(removeDir);
  });

  /** HAProxy with three servers and no checks of its own (rsguard is the checker), rsguard driving it; s1 is dead, s2 drained by the operator. */
  const setup = async (withStateFile: boolean, watchInterval: string) => {
    const dir = testDir('reload');
    dirs.push(dir);
    const front = await freePort();
    const stateFile = path.join(dir, 'server-state');
    const haproxy = new Haproxy(
      `frontend f\n  bind 127.0.0.1:${front}\n  default_backend web\nbackend web\n  balance roundrobin\n  retries 0\n  server s0 127.0.0.1:${live.port}\n  server s1 127.0.0.1:${deadPort}\n  server s2 127.0.0.1:${drainedBackend.port}\n`,
      path.join(dir, 'admin.sock'),
      // The two haproxy.cfg lines docs/balancer.md documents for serverStateFile.
      withStateFile ? { global: `  server-state-file ${stateFile}\n`, defaults: '  load-server-state-from-file global\n' } : {},
    );
    await haproxy.start();
    const { daemon, api } = await runDaemon(
      dir,
      (port) => `global: { listen: 127.0.0.1:${port}, apiToken: ${TOKEN}, startupSpread: 50ms, stateFile: false, checkDefaults: { interval: 300ms, timeout: 200ms, retryInterval: 100ms, fall: 2, rise: 1 } }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 30s, watchInterval: ${watchInterval}${withStateFile ? `, serverStateFile: ${stateFile}` : ''} }
virtualServices:
  - name: web
    address: 127.0.0.1:${front}
    haproxy: { backend: web }
    checks: [{ kind: http, path: / }]
    realServers:
      - { address: 127.0.0.1:${live.port}, haproxyServer: s0 }
      - { address: 127.0.0.1:${deadPort}, haproxyServer: s1 }
      - { address: 127.0.0.1:${drainedBackend.port}, haproxyServer: s2 }
`,
    );
    const res = await fetch(`http://127.0.0.1:${api}/api/drain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ vs: 'web', rs: `127.0.0.1:${drainedBackend.port}` }) });
    assert.equal(res.status, 200, await res.text());
    await haproxy.until('s1 held out, s2 drained', 'web', { s0: 'ready', s1: 'maint', s2: 'drain' });
    return { haproxy, daemon, front, stateFile };
  };

  /** Reloads (or restarts) under client traffic; returns what the traffic met and when rsguard reapplied. */
  const underTraffic = async (ctx: Awaited<ReturnType<typeof setup>>, times: number, how: 'reload' | 'restart') => {
    const traffic = clientTraffic(ctx.front, 60_000);
    const reapplied: number[] = [];
    let t: Traffic;
    try {
      for (let i = 0; i < times; i++) {
        await new Promise((r) => setTimeout(r, 400));
        const mark = ctx.daemon.mark();
        const at = Date.now();
        if (how === 'reload') await ctx.haproxy.reload();
        else {
          await ctx.haproxy.stop();
          await ctx.haproxy.start();
        }
        const seen = await ctx.daemon.waitForLog('restart seen', (l) => l.msg === 'balancer restarted, reapplying every pool', 10_000, mark).catch(() => undefined);
        if (seen) reapplied.push(Number(seen.time) - at);
        await ctx.haproxy.until('held out again', 'web', { s0: 'ready', s1: 'maint', s2: 'drain' }, 40_000);
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      t = await traffic.stop();
    }
    return { traffic: t, reapplied };
  };

  it('shows the fault first: with neither the watch nor the state file, a reload brings the dead server and the drained one back until the periodic repair', async () => {
    const ctx = await setup(false, '0ms');
    try {
      // Only the 30 s periodic repair would notice: wait a bounded 3 s after one reload and count.
      const traffic = clientTraffic(ctx.front, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      await ctx.haproxy.reload();
      await new Promise((r) => setTimeout(r, 3000));
      const t = await traffic.stop();
      const st = await ctx.haproxy.summary('web', false);
      assert.deepEqual(st, { s0: 'ready', s1: 'ready', s2: 'ready' }, 'a new HAProxy process starts every server as its config says');
      assert.ok(t.failed + t.drained > 0, `requests reached held-out servers after the reload: ${JSON.stringify(t)}`);
    } finally {
      await ctx.daemon.stop();
      await ctx.haproxy.close();
    }
  });

  it('with the process watch alone, rsguard sees the new pid and reapplies at once', async () => {
    const ctx = await setup(false, '200ms');
    try {
      const { traffic, reapplied } = await underTraffic(ctx, 3, 'reload');
      assert.equal(reapplied.length, 3, 'every reload was seen');
      // The watch asks every 200 ms: seen within that plus a generous margin for a loaded 2-core box.
      for (const ms of reapplied) assert.ok(ms < 200 + 3000, `reapplied ${ms} ms after the reload`);
      recordFault({ fault: 'HAProxy reloaded (-sf), process watch only', tried: 3, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `new pid seen and pools reapplied ${Math.min(...reapplied)}-${Math.max(...reapplied)} ms after the reload; ${traffic.failed + traffic.drained} of ${traffic.ok + traffic.failed + traffic.drained} requests met a held-out server in that gap` });
    } finally {
      await ctx.daemon.stop();
      await ctx.haproxy.close();
    }
  });

  it('with serverStateFile, no request reaches a held-out server across five reloads and a restart', async () => {
    const ctx = await setup(true, '200ms');
    try {
      await waitFor('state file written', () => {
        try {
          return readFileSync(ctx.stateFile, 'utf8').includes(' s1 ') ? true : undefined;
        } catch {
          return undefined;
        }
      });
      const reloads = await underTraffic(ctx, 5, 'reload');
      const restart = await underTraffic(ctx, 1, 'restart');
      const all: Traffic = { ok: reloads.traffic.ok + restart.traffic.ok, drained: reloads.traffic.drained + restart.traffic.drained, failed: reloads.traffic.failed + restart.traffic.failed, noFrontend: reloads.traffic.noFrontend + restart.traffic.noFrontend };
      assert.ok(all.ok > 100, `client traffic flowed: ${JSON.stringify(all)}`);
      assert.equal(all.drained, 0, `no new request reached the drained server: ${JSON.stringify(all)}`);
      assert.equal(all.failed, 0, `no request reached the dead server: ${JSON.stringify(all)}`);
      recordFault({ fault: 'HAProxy reloaded (-sf) x5 and restarted, with serverStateFile', tried: 6, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `0 of ${all.ok} requests met a held-out server; HAProxy loads the held-out states before its first request` });
    } finally {
      await ctx.daemon.stop();
      await ctx.haproxy.close();
    }
  });
});
