import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';
import { removeDir, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

/**
 * A hung Redis in distributed mode (SIGSTOP: a frozen VM, a swap storm, a
 * blocked fork). Nothing errors: ioredis queues the commands and waits, the
 * probe jobs go unanswered, and every check keeps its last state (fail
 * static). That blindness must be said at warn when it begins and at info
 * when it ends, once each (issue 22, item 7); before, nothing above debug
 * told it. A Redis of the test's own on port 22020 (the shared one is never
 * stopped); API 22021, backend 22022.
 */
const REDIS_PORT = 22020;
const API = 22021;
const TIMEOUT_MS = 300;
/** bullmq-queue.ts LOST_GRACE_MS: an unanswered job is given up this long after its timeout. */
const LOST_GRACE_MS = 10_000;

function redisPing(): boolean {
  return spawnSync('redis-cli', ['-p', String(REDIS_PORT), 'ping'], { encoding: 'utf8', timeout: 1000 }).stdout?.includes('PONG') ?? false;
}

describe('distributed mode when Redis hangs (SIGSTOP), then runs again', () => {
  it('says fail static at warn when it begins and at info when it ends, once each; no server changes state', async () => {
    const dir = testDir('redis-hung');
    const redis: ChildProcess = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor('redis', () => (redisPing() ? true : undefined));
    const backend = new Backend(22022);
    await backend.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, `queue: { redis: "redis://127.0.0.1:${REDIS_PORT}", prefix: "rsg-hung" }\nglobal: { listen: 127.0.0.1:${API}, stateFile: false, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: ${TIMEOUT_MS}ms, retryInterval: 100ms, fall: 2, rise: 1 } }\nvirtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    checks: [{ kind: http, path: /health }]\n    realServers: [{ address: 127.0.0.1:${backend.port} }]\n`);
    const worker = new DaemonProcess(['worker', '-c', file]);
    const daemon = new DaemonProcess(['run', '-c', file]);
    const rs = async () => ((await (await fetch(`http://127.0.0.1:${API}/api/status`)).json()) as { virtualServices: Array<{ realServers: Array<{ hardState: string; stale: boolean; lastCheck: { ok: boolean; at: string } | null }> }> }).virtualServices[0]!.realServers[0]!;
    const failStatic = () => daemon.logs.filter((l) => l.msg.startsWith('fail static'));
    try {
      await waitFor('checked', async () => ((await rs().catch(() => undefined))?.lastCheck?.ok ? true : undefined), 15_000);
      assert.deepEqual(failStatic(), [], 'no fail static while Redis answers');
      const mark = daemon.mark();
      const stoppedAt = Date.now();
      redis.kill('SIGSTOP');
      const began = await daemon.waitForLog('fail static begins', (l) => l.msg.startsWith('fail static:'), TIMEOUT_MS + LOST_GRACE_MS + 10_000, mark);
      const beganMs = Date.now() - stoppedAt;
      assert.equal(began.level, 40, 'warn');
      // The fault really blinded rsguard: the check went stale, its state held.
      const blind = await waitFor('stale', async () => {
        const r = await rs();
        return r.stale ? r : undefined;
      }, 10_000);
      assert.equal(blind.hardState, 'up');
      // Blind for several more sweeps: told once, not per job or per sweep.
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(failStatic().length, 1);
      const contAt = Date.now();
      redis.kill('SIGCONT');
      const ended = await daemon.waitForLog('fail static ends', (l) => l.msg.startsWith('fail static ends'), 20_000, mark);
      const endedMs = Date.now() - contAt;
      assert.equal(ended.level, 30, 'info');
      assert.ok(Number(ended.lastedMs) >= 4000, `lasted ${String(ended.lastedMs)} ms`);
      await waitFor('fresh again', async () => ((await rs()).stale ? undefined : true), 10_000);
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(failStatic().length, 2, 'one begin, one end');
      const flips = daemon.logs.filter((l) => l.msg === 'real server state changed');
      assert.deepEqual(flips, [], 'no transition while blind or after');
      recordFault({
        fault: 'Redis hung (SIGSTOP) and running again (distributed mode)',
        tried: 1,
        transitionsLost: 0,
        mailsLost: 0,
        mailsDuplicated: 0,
        poolFlaps: flips.length,
        crashes: 0,
        note: `fail static logged at warn ${(beganMs / 1000).toFixed(1)} s after the hang (timeout + 10 s grace), at info ${(endedMs / 1000).toFixed(1)} s after it ran again; once each; states held`,
      });
    } finally {
      await daemon.stop();
      await worker.stop();
      redis.kill('SIGCONT');
      redis.kill('SIGKILL');
      await backend.kill();
      removeDir(dir);
    }
  });
});
