import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/ports.js';
describe('autoReload (ldirectord autoreload)', () => {
    it('reloads when the file changes; an invalid edit is rejected and the running config kept', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-autoreload-'));
        const file = path.join(dir, 'rsguard.yaml');
        const api = await freePort();
        const config = (rs) => `global: { listen: 127.0.0.1:${api}, autoReload: true, checkDefaults: { interval: 1h } }\nvirtualServices:\n  - address: 192.0.2.1:80\n    realServers: [${rs}]\n`;
        writeFileSync(file, config('{ address: 127.0.0.1:1 }'));
        const daemon = new DaemonProcess(['run', '-c', file]);
        try {
            await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
            let mark = daemon.mark();
            writeFileSync(file, config('{ address: 127.0.0.1:1 }, { address: 127.0.0.1:2 }'));
            const reloaded = await daemon.waitForLog('reload', (l) => l.msg === 'config reloaded', 10_000, mark);
            assert.equal(reloaded.virtualServices, 1);
            const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json());
            assert.equal(doc.virtualServices[0].realServers.length, 2);
            mark = daemon.mark();
            writeFileSync(file, 'virtualServices: nope\n');
            await daemon.waitForLog('rejected', (l) => l.msg === 'config reload rejected, keeping the running config', 10_000, mark);
        }
        finally {
            await daemon.stop();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
//# sourceMappingURL=auto-reload.test.js.map