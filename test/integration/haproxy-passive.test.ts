import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { createLogger } from '../../src/log.js';
import type { StatusDocument } from '../../src/read/status-document.js';
import { renderStatusTable } from '../../src/read/status-table.js';
import { Haproxy } from '../helpers/haproxy.js';
import { App, traffic } from '../helpers/http-traffic.js';
import { freePort, waitFor } from '../helpers/ports.js';

/**
 * Passive health against a real HAProxy 2.6: real HTTP requests go through
 * its frontend to two loopback servers; one starts answering 500. rsguard
 * reads HAProxy's counters (show stat) every 200 ms and, at 5 errors in a
 * row, marks the server down: HAProxy shows it in maint. The active checks
 * (every second, fall 6) are slow on purpose, so only the errors in the
 * traffic can take it out this soon; they alone bring it back (rise 2) once it
 * answers 200 again.
 */
describe('passive health: errors in real HAProxy traffic take a server out, its active checks bring it back', () => {
  let dir: string;
  let haproxy: Haproxy;
  let daemon: Daemon;
  const a1 = new App();
  const a2 = new App();
  let front = 0;
  const events: MonitorEvent[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-passive-'));
    await a1.start();
    await a2.start();
    front = await freePort();
    // No checks of HAProxy's own: rsguard drives the servers (REAL-PEERS.md).
    haproxy = new Haproxy(`frontend fe\n  bind 127.0.0.1:${front}\n  default_backend web\nbackend web\n  balance roundrobin\n  server s1 127.0.0.1:${a1.port}\n  server s2 127.0.0.1:${a2.port}\nbackend quiet\n  server q1 127.0.0.1:${a1.port}\n`);
    await haproxy.start();
    const passive = { observe: 'layer7', errorLimit: 5, onError: 'mark-down' };
    const config = {
      global: { listen: `127.0.0.1:${await freePort()}`, startupSpread: '10ms', stateFile: false },
      balancer: { kind: 'haproxy', socket: haproxy.socket, reconcileInterval: '1s', passiveInterval: '200ms' },
      virtualServices: [
        {
          name: 'web', address: `127.0.0.1:${front}`, haproxy: { backend: 'web', passive },
          interval: '1s', retryInterval: '1s', timeout: '500ms', fall: 6, rise: 2,
          checks: [{ kind: 'http', path: '/health' }],
          realServers: [{ address: `127.0.0.1:${a1.port}`, haproxyServer: 's1' }, { address: `127.0.0.1:${a2.port}`, haproxyServer: 's2' }],
        },
        {
          name: 'quiet', address: '192.0.2.1:80', haproxy: { backend: 'quiet', passive: { ...passive, errorLimit: 1 } },
          interval: '1s', checks: [{ kind: 'http', path: '/health' }],
          realServers: [{ address: `127.0.0.1:${a1.port}`, haproxyServer: 'q1' }],
        },
      ],
    };
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, JSON.stringify(config));
    daemon = await startDaemon({ configFile: file, log: createLogger('fatal'), onEvent: (e) => void events.push(e) });
    await haproxy.until('both servers ready', 'web', { s1: 'ready', s2: 'ready' });
  });

  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    await a1.stop();
    await a2.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a server answering 500 to real traffic is marked down by its errors and put in maint, long before its active checks could', async () => {
    const load = traffic(front);
    try {
      await waitFor('traffic reaches s2', () => (a2.hits >= 5 ? true : undefined), 10_000, 20);
      a2.failing = true;
      // Active checks alone would need 6 failures a second apart; the wait ends before that.
      await haproxy.until('s2 in maint', 'web', { s1: 'ready', s2: 'maint' }, 4500);
      const down = events.find((e) => e.type === 'server-hard' && e.to === 'down' && e.server.rs === `127.0.0.1:${a2.port}`);
      assert.ok(down && down.type === 'server-hard', 'a hard-down event for s2');
      assert.match(down.reason, /^passive: \d+ errors in a row \(layer7, error-limit 5\) in web\/s2$/);
      const record = daemon.monitor.serverRecord(daemon.monitor.current.virtualServices[0]!.key, `127.0.0.1:${a2.port}`);
      assert.equal(record?.hardState, 'down');
      assert.ok((load.statuses.get(500) ?? 0) >= 5, `clients saw the 500s: ${JSON.stringify([...load.statuses])}`);
    } finally {
      await load.stop();
    }
  });

  it('out of traffic it sees no errors, and that does not bring it back: it stays in maint while its active checks fail', async () => {
    const load = traffic(front);
    try {
      // Three active checks (failing) and many passive reads without errors.
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(await haproxy.summary('web', false), { s1: 'ready', s2: 'maint' });
      assert.equal(load.statuses.get(500) ?? 0, 0, 'no client got a 500 while s2 was out');
    } finally {
      await load.stop();
    }
  });

  it('answering 200 again, it comes back through its active checks (rise 2), not through passive health', async () => {
    a2.failing = false;
    await haproxy.until('s2 ready again', 'web', { s1: 'ready', s2: 'ready' }, 8000);
    const up = events.find((e) => e.type === 'server-hard' && e.to === 'up' && e.server.rs === `127.0.0.1:${a2.port}`);
    assert.ok(up && up.type === 'server-hard');
    const rs = daemon.monitor.current.virtualServices[0]!.realServers[1]!;
    assert.equal(up.check, daemon.monitor.check(rs.checkIds[0]!)?.label, 'brought up by its active http check');
    assert.doesNotMatch(up.reason, /passive/);
  });

  it('a server with passive health and no traffic is never taken out (errorLimit 1)', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await haproxy.summary('quiet', false), { q1: 'ready' });
    const status = await (await fetch(`http://${daemon.address.host}:${daemon.address.port}/api/status`)).json() as { virtualServices: Array<{ name: string; realServers: Array<{ passive?: { errors: number; ok: number; lastAction: unknown; problem: string | null } }> }> };
    const quiet = status.virtualServices.find((v) => v.name === 'quiet')!.realServers[0]!.passive;
    assert.deepEqual(quiet && { errors: quiet.errors, lastAction: quiet.lastAction, problem: quiet.problem }, { errors: 0, lastAction: null, problem: null });
    const web = status.virtualServices.find((v) => v.name === 'web')!.realServers[1]!.passive;
    assert.ok(web && web.errors >= 5 && web.lastAction, `s2's passive status: ${JSON.stringify(web)}`);
    // `rsguard status` shows it under the server's line.
    assert.match(renderStatusTable(status as unknown as StatusDocument), /^ {7}passive layer7 \(mark-down at 5 errors\): \d+ errors, \d+ ok, run \d+; last mark-down \S+: \d+ errors in a row/m);
    const metrics = await (await fetch(`http://${daemon.address.host}:${daemon.address.port}/metrics`)).text();
    assert.match(metrics, new RegExp(`^rsguard_passive_actions_total\\{vs="web",rs="127\\.0\\.0\\.1:${a2.port}"\\} 1$`, 'm'));
    assert.match(metrics, new RegExp(`^rsguard_passive_errors_total\\{vs="quiet",rs="127\\.0\\.0\\.1:${a1.port}"\\} 0$`, 'm'));
  });
});
