import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
const TOKEN = 'notify-test-token-0123456789';
const notify = (args) => spawnSync(process.execPath, [CLI, 'notify', ...args], { encoding: 'utf8', timeout: 10_000 });
describe('rsguard notify', () => {
    it('rejects what keepalived would never send, with exit 2', () => {
        const r = notify(['INSTANCE', 'VI_1', 'BOSS', '100']);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /expected one of MASTER, BACKUP, FAULT/);
        assert.equal(notify(['VI_1']).status, 2);
        assert.match(notify(['--instance', 'VI_1']).stderr, /--state is needed/);
    });
    it('with the daemon down, spools the transition; the daemon takes it in when it starts, once', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-notify-'));
        const spool = path.join(dir, 'spool');
        const api = await freePort();
        try {
            const r = notify(['--url', `http://127.0.0.1:${api}`, '--token', TOKEN, '--spool', spool, 'INSTANCE', 'VI_1', 'MASTER', '150']);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /daemon not reachable; spooled INSTANCE VI_1 MASTER/);
            const m = notify(['--url', `http://127.0.0.1:${api}`, '--spool', spool, '--instance', 'VI_1', '--state', 'FAULT']);
            assert.equal(m.status, 0, m.stderr);
            assert.equal(readdirSync(spool).length, 2);
            const file = path.join(dir, 'rsguard.yaml');
            writeFileSync(file, `global: { listen: 127.0.0.1:${api}, apiToken: ${TOKEN} }\nnotify: { vrrpSpoolDir: ${spool} }\nvirtualServices:\n  - address: 192.0.2.1:80\n    realServers: [{ address: 127.0.0.1:1, checks: [] }]\n`);
            const daemon = new DaemonProcess(['run', '-c', file]);
            try {
                await daemon.waitForLog('fault', (l) => l.msg === 'vrrp transition' && l.state === 'FAULT');
                const order = daemon.logs.filter((l) => l.msg === 'vrrp transition').map((l) => l.state);
                assert.deepEqual(order, ['MASTER', 'FAULT'], 'oldest first');
                await waitFor('spool emptied', () => (readdirSync(spool).length === 0 ? true : undefined));
                // With the daemon up the same command goes over HTTP; a wrong token is refused, not spooled.
                const ok = notify(['--url', `http://127.0.0.1:${api}`, '--token', TOKEN, '--spool', spool, 'GROUP', 'G1', 'BACKUP', '0']);
                assert.match(ok.stdout, /recorded GROUP G1 BACKUP/);
                const bad = notify(['--url', `http://127.0.0.1:${api}`, '--token', 'wrong-token-0123456789ab', '--spool', spool, 'INSTANCE', 'VI_1', 'MASTER', '1']);
                assert.equal(bad.status, 2);
                assert.match(bad.stderr, /daemon refused: 401/);
                assert.deepEqual(readdirSync(spool), []);
            }
            finally {
                await daemon.stop();
            }
        }
        finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
//# sourceMappingURL=notify-cli.test.js.map