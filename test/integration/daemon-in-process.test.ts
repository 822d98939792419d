import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { createLogger } from '../../src/log.js';
import { Backend } from '../helpers/backend.js';
import { freePort, waitFor } from '../helpers/ports.js';

/** A clock far from the wall clock: every timestamp must come from it, not from Date.now(). */
const SKEW_MS = 1_000_000_000;

/**
 * startDaemon in this process, through its two seams: `clock` (injected time)
 * and `onEvent` (the bus's last stage). A kill of both real servers must come
 * out as one ordered story: soft, hard, then the pool's consequences.
 */
describe('startDaemon in process: event order and the injected clock', () => {
  let dir: string;
  let backends: Backend[];
  let daemon: Daemon;
  const events: MonitorEvent[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-inproc-'));
    backends = [new Backend(await freePort()), new Backend(await freePort())];
    for (const b of backends) await b.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global: { listen: 127.0.0.1:${await freePort()}, startupSpread: 10ms, stateFile: false, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    sorryServer: { address: 127.0.0.1:1, checks: [] }
    checks: [{ kind: http, path: /health }]
    realServers: [{ address: 127.0.0.1:${backends[0]!.port} }, { address: 127.0.0.1:${backends[1]!.port} }]
`,
    );
    daemon = await startDaemon({ configFile: file, log: createLogger('fatal'), clock: () => Date.now() + SKEW_MS, onEvent: (e) => events.push(e) });
  });
  after(async () => {
    await daemon?.stop();
    for (const b of backends ?? []) await b.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both servers die: per server soft before hard, then quorum lost and the sorry server in, all stamped by the injected clock', async () => {
    await waitFor('started', () => events.find((e) => e.type === 'daemon' && e.state === 'starting'));
    const from = events.length;
    for (const b of backends) await b.kill();
    await waitFor('sorry in', () => events.slice(from).find((e) => e.type === 'sorry-server' && e.active), 10_000);
    const story = events.slice(from);
    for (const b of backends) {
      const rs = `127.0.0.1:${b.port}`;
      const soft = story.findIndex((e) => e.type === 'server-soft' && e.server.rs === rs && e.to === 'down');
      const hard = story.findIndex((e) => e.type === 'server-hard' && e.server.rs === rs && e.to === 'down');
      assert.ok(soft >= 0 && hard > soft, `${rs}: soft (${soft}) before hard (${hard})`);
    }
    const lastHard = Math.max(...story.map((e, i) => (e.type === 'server-hard' ? i : -1)));
    const quorum = story.findIndex((e) => e.type === 'quorum' && !e.up);
    const sorry = story.findIndex((e) => e.type === 'sorry-server' && e.active);
    assert.ok(lastHard < quorum && quorum < sorry, `hard downs, then quorum lost (${quorum}), then sorry in (${sorry})`);
    const wall = Date.now();
    for (const e of story) assert.ok(e.at > wall + SKEW_MS / 2, `${e.type} stamped ${e.at}: not from the injected clock`);
    const view = daemon.poolKeeper.plan('tcp:10.0.0.1:80');
    assert.deepEqual(view?.members.map((m) => m.role), ['sorry']);
  });
});
