import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { recordFault } from '../faults/fault-rows.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
/** A redis-server of the test's own, so it can be killed without touching the shared one. */
async function startRedis(port, dir) {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor('redis', async () => {
        const r = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
        const out = await new Promise((res) => {
            let s = '';
            r.stdout.on('data', (d) => (s += d.toString()));
            r.once('close', () => res(s));
        });
        return out.includes('PONG') ? true : undefined;
    });
    return child;
}
describe('distributed mode when Redis goes away', () => {
    it('fails static: no server changes state, status says stale; checks resume when Redis is back', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-redis-fault-'));
        const redisPort = await freePort();
        let redis = await startRedis(redisPort, dir);
        const api = await freePort();
        const backend = new Backend(await freePort());
        await backend.start();
        const file = path.join(dir, 'rsguard.yaml');
        writeFileSync(file, `queue: { redis: "redis://127.0.0.1:${redisPort}", prefix: "rsg-fault" }\nglobal: { listen: 127.0.0.1:${api}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }\nvirtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    checks: [{ kind: http, path: /health }]\n    realServers: [{ address: 127.0.0.1:${backend.port} }]\n`);
        const worker = new DaemonProcess(['worker', '-c', file]);
        const daemon = new DaemonProcess(['run', '-c', file]);
        const rs = async () => (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()).virtualServices[0].realServers[0];
        try {
            await waitFor('checked', async () => ((await rs().catch(() => undefined))?.lastCheck?.ok ? true : undefined), 15_000);
            redis.kill('SIGKILL');
            await new Promise((r) => redis.once('exit', r));
            await backend.kill();
            // With no results nothing may change: the server stays up, marked stale.
            const stale = await waitFor('stale', async () => {
                const r = await rs();
                return r.stale ? r : undefined;
            }, 10_000);
            assert.deepEqual([stale.state, stale.hardState], ['up', 'up']);
            assert.ok(!daemon.logs.some((l) => l.msg === 'real server state changed'), 'no transition while blind');
            const m = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
            assert.match(m, /^rsguard_checks_stale 1$/m);
            redis = await startRedis(redisPort, dir);
            await daemon.waitForLog('down after Redis is back', (l) => l.msg === 'real server state changed' && l.to === 'down', 30_000);
            assert.equal((await rs()).stale, false);
            recordFault({ fault: 'Redis SIGKILLed and restarted (distributed mode)', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'stale, no transition while blind; the death seen once Redis is back' });
        }
        finally {
            await daemon.stop();
            await worker.stop();
            redis.kill('SIGKILL');
            await backend.kill();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
describe('distributed mode restart', () => {
    it('a restarted scheduler takes the check states from Redis: a down server stays down, no flap', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-restart-'));
        const api = await freePort();
        const alive = new Backend(await freePort());
        await alive.start();
        const deadPort = await freePort();
        const file = path.join(dir, 'rsguard.yaml');
        writeFileSync(file, `queue: { redis: "redis://127.0.0.1:6379", prefix: "rsg-restart-${process.pid}-${Date.now()}" }\nglobal: { listen: 127.0.0.1:${api}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 3, rise: 2 } }\nvirtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    checks: [{ kind: http, path: /health }]\n    realServers: [{ address: 127.0.0.1:${alive.port} }, { address: 127.0.0.1:${deadPort} }]\n`);
        const worker = new DaemonProcess(['worker', '-c', file]);
        let daemon = new DaemonProcess(['run', '-c', file]);
        try {
            await daemon.waitForLog('dead is down', (l) => l.msg === 'real server state changed' && l.rs === `127.0.0.1:${deadPort}` && l.to === 'down', 15_000);
            await daemon.stop();
            daemon = new DaemonProcess(['run', '-c', file]);
            const restored = await daemon.waitForLog('restored', (l) => l.msg === 'check states restored' && l.from === 'Redis');
            assert.equal(restored.restored, 2, 'one check per server');
            const first = (await waitFor('status', async () => fetch(`http://127.0.0.1:${api}/api/status`).then((r) => r.json()).catch(() => undefined)));
            assert.deepEqual(first.virtualServices[0].realServers.map((r) => [r.port, r.hardState]), [[alive.port, 'up'], [deadPort, 'down']], 'right from the first answer');
            const fails = async () => (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()).virtualServices[0].realServers.find((r) => r.port === deadPort).checks[0].consecutiveFail;
            const base = await fails();
            await waitFor('fall rounds since the restart', async () => ((await fails()) >= base + 4 ? true : undefined), 15_000);
            assert.deepEqual(daemon.logs.filter((l) => l.msg === 'real server state changed'), [], 'no transition at all after the restart');
        }
        finally {
            await daemon.stop();
            await worker.stop();
            await alive.kill();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
//# sourceMappingURL=distributed-faults.test.js.map