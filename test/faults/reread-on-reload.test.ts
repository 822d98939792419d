import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

/**
 * Files a probe reads once and keeps (a CA bundle, /etc/passwd for an exec
 * check's `user`) must be read again on SIGHUP: an admin who rotates a CA or
 * adds the check's user reloads, and expects the next round to see it. The
 * daemon runs in its own mount namespace with a copy of /etc/passwd bound
 * over the real one (the real file is never written); skipped where unshare
 * -m is not allowed (not root). Ports from this test's own range.
 */
const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;
const API = 22500;
const TLS_PORT = 22501;
const USER = 'rsguard-reread';

interface Status {
  virtualServices: Array<{ name: string; realServers: Array<{ hardState: string; checkError: { reason: string; detail: string } | null; lastCheck: { ok: boolean; detail: string; reason?: string } | null }> }>;
}

describe('SIGHUP reads the CA file and /etc/passwd again', { skip: canUnshare ? false : 'unshare -m not allowed here (needs root)' }, () => {
  let dir: string;
  let passwd: string;
  let ca: string;
  let server: https.Server;
  let daemon: DaemonProcess;
  let rightCa: string;

  before(async () => {
    dir = testDir('reread');
    passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, readFileSync('/etc/passwd'));
    assert.ok(!readFileSync(passwd, 'utf8').includes(`${USER}:`), `${USER} must not exist yet`);
    const served = selfSignedCert(['127.0.0.1']);
    rightCa = served.cert;
    ca = path.join(dir, 'ca.pem');
    // Another self-signed certificate: the server's chain does not verify against it.
    writeFileSync(ca, selfSignedCert(['127.0.0.1']).cert);
    server = https.createServer({ key: served.key, cert: served.cert }, (_q, r) => r.end('ok'));
    await new Promise<void>((r) => server.listen(TLS_PORT, '127.0.0.1', () => r()));
    ({ daemon } = await runDaemon(dir, `global: { listen: 127.0.0.1:${API}, startupSpread: 10ms, stateFile: false, checkDefaults: { interval: 200ms, timeout: 500ms, fall: 1, rise: 1 } }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - name: tls
    address: 192.0.2.1:443
    checks: [{ kind: https, path: /, tlsCa: ${ca} }]
    realServers: [{ address: 127.0.0.1:${TLS_PORT} }]
  - name: exec
    address: 192.0.2.2:80
    checks: [{ kind: exec, command: [/bin/true], appendTarget: false, user: ${USER} }]
    realServers: [{ address: 127.0.0.1:9 }]
`, {
      args: ['--dry-run'],
      wrap: ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/passwd && exec "$@"', passwd],
      startMs: 20_000,
    }));
  });
  after(async () => {
    await daemon?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    removeDir(dir);
  });

  const status = async () => (await (await fetch(`http://127.0.0.1:${API}/api/status`)).json()) as Status;
  const server0 = (s: Status, vs: string) => s.virtualServices.find((v) => v.name === vs)!.realServers[0]!;

  it('a rotated CA and a new user are seen by the first rounds after SIGHUP', async () => {
    // Before: the wrong CA fails the handshake, and the unknown user is a check error (the check cannot run).
    await waitFor('both seen failing', async () => {
      const s = await status();
      return server0(s, 'tls').lastCheck?.reason === 'tls' && server0(s, 'exec').checkError?.reason === 'spawn' ? s : undefined;
    });
    assert.match(server0(await status(), 'exec').checkError!.detail, new RegExp(`no user "${USER}"`));
    writeFileSync(ca, rightCa);
    // In place (the bind mount follows the inode, not the name).
    appendFileSync(passwd, `${USER}:x:65534:65534::/nonexistent:/usr/sbin/nologin\n`);
    // The files alone change nothing: the caches last until a reload (five rounds, 1 s, show it).
    await new Promise((r) => setTimeout(r, 1000));
    let s = await status();
    assert.equal(server0(s, 'tls').lastCheck?.reason, 'tls', 'still the old CA without a reload');
    assert.equal(server0(s, 'exec').checkError?.reason, 'spawn', 'still no user without a reload');
    const mark = daemon.mark();
    daemon.signal('SIGHUP');
    await daemon.waitForLog('reloaded', (l) => l.msg === 'config reloaded', 10_000, mark);
    // A round is 200 ms; 5 s is generous for two loaded cores.
    s = await waitFor(
      'both up after the reload',
      async () => {
        const x = await status();
        return server0(x, 'tls').lastCheck?.ok && server0(x, 'exec').lastCheck?.ok && server0(x, 'exec').checkError === null ? x : undefined;
      },
      5000,
    );
    assert.equal(server0(s, 'tls').hardState, 'up');
  });
});
