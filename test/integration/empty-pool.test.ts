import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { createLogger } from '../../src/log.js';
import { renderStatusTable } from '../../src/read/status-table.js';
import type { StatusDocument } from '../../src/read/status-document.js';
import { Backend } from '../helpers/backend.js';
import { waitFor } from '../helpers/ports.js';

/** This file's ports (21500-21999 belong to it and its neighbours of this work). */
const API = 21500;
const SORRY = 21501;
const REAL = 21502;

/**
 * A virtual service with no real server at all: a HAProxy backend whose
 * servers come at run time (`add server`), or whose every server was left
 * out (init-addr none). HAProxy runs such a backend (503 until a server is
 * up); rsguard must too: no crash, no division by zero, the sorry server
 * standing in, status and metrics saying the pool is empty, and a reload
 * that brings a server fills it.
 */
describe('an empty pool runs: monitor, pool keeper, status, metrics', () => {
  let dir: string;
  let file: string;
  let daemon: Daemon;
  const sorry = new Backend(SORRY);
  const real = new Backend(REAL);
  const events: MonitorEvent[] = [];
  const base = `http://127.0.0.1:${API}`;
  const config = (servers: string) => `global: { listen: 127.0.0.1:${API}, startupSpread: 10ms, stateFile: false, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 1, rise: 1 }, health: { maxBlindFraction: 0 } }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - name: empty
    address: 10.0.0.1:80
    sorryServer: 127.0.0.1:${SORRY}
    realServers: ${servers}
`;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-empty-'));
    file = path.join(dir, 'rsguard.yaml');
    await sorry.start();
    await real.start();
    writeFileSync(file, config('[]'));
    daemon = await startDaemon({ configFile: file, log: createLogger('fatal'), onEvent: (e) => events.push(e) });
  });
  after(async () => {
    await daemon?.stop();
    await sorry.kill();
    await real.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the sorry server stands in for the empty pool, its own check passing', async () => {
    const key = daemon.monitor.current.virtualServices[0]!.key;
    const sorryCheck = daemon.monitor.current.virtualServices[0]!.sorryServer!.checkIds[0]!;
    await waitFor('the sorry server checked', () => daemon.monitor.checkState(sorryCheck)?.lastCheck?.ok, 5000);
    const plan = await waitFor('sorry in', () => {
      const p = daemon.poolKeeper.plan(key);
      return p?.sorryActive ? p : undefined;
    });
    assert.deepEqual(plan?.members.map((m) => [m.role, m.key, m.weight]), [['sorry', `127.0.0.1:${SORRY}`, 1]]);
    assert.equal(plan?.upWeight, 0);
  });

  it('status says the pool is empty; metrics and health answer with numbers', async () => {
    const doc = (await (await fetch(`${base}/api/status`)).json()) as StatusDocument;
    const vs = doc.virtualServices.find((v) => v.name === 'empty')!;
    assert.deepEqual([vs.realServers, vs.sorryServerActive, vs.quorumUp], [[], true, false]);
    assert.match(renderStatusTable(doc), /\(empty\)  sorry 127\.0\.0\.1:21501 \(ACTIVE\)\n  -> \(no real servers: empty pool\)/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const mine = metrics.split('\n').filter((l) => l.includes('vs="empty"'));
    assert.ok(mine.length > 0, 'the empty service has its series');
    assert.deepEqual(mine.filter((l) => /\b(NaN|Infinity)\b/.test(l)), []);
    const health = await fetch(`${base}/api/health`);
    assert.equal(health.status, 200, await health.text());
  });

  it('a reload that gives it a server fills the pool and takes the sorry server out', async () => {
    const from = events.length;
    writeFileSync(file, config(`[{ address: 127.0.0.1:${REAL} }]`));
    assert.equal(await daemon.reload(), true);
    await waitFor('sorry out', () => events.slice(from).find((e) => e.type === 'sorry-server' && !e.active), 5000);
    const plan = daemon.poolKeeper.plan(daemon.monitor.current.virtualServices[0]!.key);
    assert.deepEqual(plan?.members.map((m) => [m.role, m.key]), [['real', `127.0.0.1:${REAL}`]]);
  });
});
