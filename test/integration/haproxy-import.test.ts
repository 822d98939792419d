import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('rsguard import haproxy.cfg, then rsguard driving that HAProxy (real HAProxy 2.6)', () => {
  let dir: string;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;
  let b1: Backend;
  let b2: Backend;
  let spare: Backend;
  let front: number;
  let yaml: string;
  const until = (what: string, want: Record<string, string>) => haproxy.until(what, 'app', want);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-hapimport-'));
    [b1, b2, spare] = [new Backend(await freePort(), 'one'), new Backend(await freePort(), 'two'), new Backend(await freePort(), 'backup page')];
    for (const b of [b1, b2, spare]) await b.start();
    front = await freePort();
    const socket = path.join(dir, 'admin.sock');
    // The body HAProxy runs and rsguard imports; HAProxy's helper adds global (with this socket) and defaults.
    const body = `frontend fe
  bind 127.0.0.1:${front}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health HTTP/1.1\\r\\nHost:\\ app.example
  http-check expect status 200
  default-server inter 300ms fastinter 100ms rise 1 fall 2
  server web1 127.0.0.1:${b1.port} check weight 3
  server web2 127.0.0.1:${b2.port} check
  server spare 127.0.0.1:${spare.port} check backup
`;
    haproxy = new Haproxy(body.replace(/ check/g, ''), socket);
    await haproxy.start();
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(cfg, `global\n  stats socket ${socket} mode 600 level admin\n${body}`);
    const r = cli(['import', cfg]);
    assert.equal(r.status, 0, r.stderr);
    yaml = r.stdout;
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, `global: { listen: 127.0.0.1:${await freePort()}, stateFile: false, startupSpread: 50ms }\n${yaml}`);
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('started', (l) => l.msg === 'rsguard started');
  });
  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    for (const b of [b1, b2, spare]) await b?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports servers with their weights, HAProxy timing and the httpchk request; leaves the backup server to HAProxy; says to drop check', () => {
    assert.match(yaml, /socket: .*admin\.sock/);
    assert.match(yaml, /haproxyServer: web1[\s\S]*weight: 3|weight: 3[\s\S]*haproxyServer: web1/);
    assert.match(yaml, /kind: http\n\s+expectStatus:\n\s+- 200\n\s+method: GET\n\s+path: \/health\n\s+virtualHost: app\.example/);
    assert.match(yaml, /interval: 300ms\n\s+retryInterval: 100ms\n\s+timeout: 300ms\n\s+rise: 1\n\s+fall: 2/);
    assert.doesNotMatch(yaml, /haproxyServer: spare/);
    assert.match(yaml, /# warning: .*server spare is a backup: left to HAProxy/);
    assert.match(yaml, /# warning: .*drop "check" and "agent-check" from the servers/);
  });

  it('drives the backend: a dead server goes to maint; all dead, HAProxy serves its own backup server', async () => {
    await until('both in', { web1: 'ready', web2: 'ready', spare: 'ready' });
    await b1.kill();
    await until('web1 out', { web1: 'maint', web2: 'ready' });
    await b2.kill();
    await until('both out', { web1: 'maint', web2: 'maint', spare: 'ready' });
    const body = await waitFor('the backup page through the frontend', async () => {
      const t = await fetch(`http://127.0.0.1:${front}/`).then((r) => r.text()).catch(() => undefined);
      return t === 'backup page' ? t : undefined;
    });
    assert.equal(body, 'backup page');
  });

  it("the seed's haproxy.cfg imports: its listen section, inter/rise/fall, and a warning for the missing stats socket", () => {
    const r = cli(['import', path.join(ROOT, 'test/fixtures/haproxy/seed-haproxy.cfg')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /name: websrv-rewrite\n\s+address: 0\.0\.0\.0:80/);
    assert.match(r.stdout, /haproxyServer: web1\n\s+checks:\n\s+- kind: tcp\n\s+interval: 2000ms\n\s+retryInterval: 2000ms\n\s+timeout: 2000ms\n\s+rise: 2\n\s+fall: 5/);
    assert.match(r.stdout, /# warning: .*no "stats socket" in global/);
  });
});
