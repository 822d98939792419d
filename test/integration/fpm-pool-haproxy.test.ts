import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { saturatePhpFpm, startPhpFpm, type PhpFpm } from '../helpers/php-fpm.js';
import { waitFor } from '../helpers/ports.js';

// From this helper's own range (fpmstatus: 24500-24999).
const POOL_PORT = 24540;
const STATUS_PORT = 24541;
const API_PORT = 24542;
const RS = `127.0.0.1:${POOL_PORT}`;

async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${API_PORT}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * The fpm check reading a real php-fpm 8.2 pool's status on its own socket
 * (pm.status_listen) while the pool is saturated, end to end into a real
 * HAProxy: one service lowers the server's weight by the listen queue, the
 * other takes the server out over maxListenQueue; both come back.
 */
describe('php-fpm pool saturation drives a real HAProxy (pm.status_listen)', () => {
  let dir: string;
  let fpm: PhpFpm;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-fpmq-'));
    fpm = await startPhpFpm(POOL_PORT, { statusListen: STATUS_PORT });
    haproxy = new Haproxy(`backend weighed\n  server s1 ${RS} weight 100\nbackend limited\n  server s1 ${RS} weight 10\n`);
    await haproxy.start();
    const file = path.join(dir, 'rsguard.yaml');
    const status = `statusPath: /status, statusAddress: ':${STATUS_PORT}'`;
    writeFileSync(
      file,
      `global:
  listen: 127.0.0.1:${API_PORT}
  startupSpread: 50ms
  stateFile: false
  checkDefaults: { interval: 200ms, timeout: 1s, retryInterval: 200ms, fall: 1, rise: 1 }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 1s }
virtualServices:
  - name: weighed
    address: 192.0.2.1:80
    haproxy: { backend: weighed }
    realServers:
      - address: ${RS}
        weight: 100
        haproxyServer: s1
        checks: [{ kind: fpm, ${status}, ping: false, weightByQueue: { from: 0, to: 10, floorPercent: 10 } }]
  - name: limited
    address: 192.0.2.2:80
    haproxy: { backend: limited }
    realServers:
      - address: ${RS}
        weight: 10
        haproxyServer: s1
        checks: [{ kind: fpm, ${status}, ping: false, maxListenQueue: 3 }]
`,
    );
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
  });
  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    await fpm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('idle pool: both servers up at their configured weights, queue 0 in the metrics', async () => {
    await haproxy.until('weighed up', 'weighed', { s1: 'ready/100' });
    await haproxy.until('limited up', 'limited', { s1: 'ready/10' });
    await waitFor('pool gauges', async () => ((await metric('rsguard_fpm_processes', `vs="weighed",rs="${RS}",state="idle"`)) === 2 ? true : undefined));
    assert.equal(await metric('rsguard_fpm_listen_queue', `vs="weighed",rs="${RS}"`), 0);
  });

  it('saturated (2 workers busy for 3 s, 4 more requests queued): weight lowered by the queue, the other service takes the server out', async () => {
    const from = daemon.mark();
    const load = saturatePhpFpm(fpm, 6, 3);
    try {
      const down = await daemon.waitForLog('limited server down', (l) => l.msg === 'real server state changed' && l.to === 'down', 3000, from);
      // Out for what the status socket said, not for a ping timing out in the queue.
      assert.match(String(down.reason), /^listen queue \d+ > 3 \(listen queue \d+, active 2\/2, idle 0/);
      await haproxy.until('limited out', 'limited', { s1: 'maint/10' }, 3000);
      // 4 queued: 100% - 4/10 of 90% = 64% of 100.
      await haproxy.until('weighed lowered', 'weighed', { s1: 'ready/64' }, 3000);
      const queue = await metric('rsguard_fpm_listen_queue', `vs="weighed",rs="${RS}"`);
      assert.ok(queue !== undefined && queue >= 2, `rsguard_fpm_listen_queue ${queue}`);
      assert.equal(await metric('rsguard_fpm_processes', `vs="limited",rs="${RS}",state="active"`), 2);
      const lowered = daemon.logs.slice(from).filter((l) => l.msg === 'real server weight set by its check').map((l) => l.weight);
      assert.ok(lowered.some((x) => typeof x === 'number' && x < 100), `weights logged ${JSON.stringify(lowered)}`);
    } finally {
      load.close();
    }
  });

  it('drained (the queued requests run to the end, ~6 s): full weight and back in the pool', async () => {
    await haproxy.until('limited back', 'limited', { s1: 'ready/10' }, 15_000);
    await haproxy.until('weighed back', 'weighed', { s1: 'ready/100' }, 15_000);
  });

  it('promtool accepts the php-fpm gauges', async () => {
    const text = await (await fetch(`http://127.0.0.1:${API_PORT}/metrics`)).text();
    assert.match(text, /^rsguard_fpm_slow_requests\{vs="limited",rs="127\.0\.0\.1:24540"\} 0$/m);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
