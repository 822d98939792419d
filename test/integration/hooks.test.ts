import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';

describe('hooks: notify_up/down, quorum_up/down, fallbackcommand', () => {
  it('run as argv with the arguments each tool passes, and their exit codes are logged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-hooks-'));
    const out = path.join(dir, 'hooks.log');
    const hook = (tag: string) => `["/bin/sh", "-c", "echo ${tag} \\"$@\\" >> ${out}", "hook"]`;
    const backend = new Backend(await freePort());
    await backend.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global: { listen: 127.0.0.1:${await freePort()}, startupSpread: 10ms, checkDefaults: { interval: 150ms, timeout: 100ms, retryInterval: 100ms, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    sorryServer: { address: 10.0.0.99:80, checks: [] }
    notify: { quorumUp: ${hook('quorum_up')}, quorumDown: ${hook('quorum_down')}, fallbackCommand: ${hook('fallback')} }
    checks: [{ kind: http, path: /health }]
    realServers:
      - address: 127.0.0.1:${backend.port}
        notify: { up: ${hook('up')}, down: ["/bin/sh", "-c", "echo down >> ${out}; exit 3"] }
`,
    );
    const daemon = new DaemonProcess(['run', '-c', file]);
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
    try {
      await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
      await backend.kill();
      await waitFor('down hooks', () => (lines().length >= 3 ? true : undefined));
      assert.deepEqual(lines().sort(), ['down', 'fallback start 10.0.0.1:80 tcp', 'quorum_down'].sort());
      const ran = await daemon.waitForLog('exit code', (l) => l.msg === 'hook ran' && l.hook === 'notify_down');
      assert.equal(ran.exitCode, 3);
      await backend.start();
      await waitFor('up hooks', () => (lines().length >= 6 ? true : undefined));
      assert.deepEqual(lines().slice(3).sort(), ['fallback stop 10.0.0.1:80 tcp', 'quorum_up', 'up'].sort());
    } finally {
      await daemon.stop();
      await backend.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
