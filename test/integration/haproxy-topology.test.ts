import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort } from '../helpers/ports.js';

describe('rsguard run -c haproxy.cfg: two backends behind one frontend, a server by host name (real HAProxy 2.6)', () => {
  let dir: string;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;
  let dyn: Backend;
  let stat: Backend;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-haptopo-'));
    [dyn, stat] = [new Backend(await freePort(), 'dynamic'), new Backend(await freePort(), 'static')];
    for (const b of [dyn, stat]) await b.start();
    const socket = path.join(dir, 'admin.sock');
    // configuration.txt "default_backend": use_backend rules and a default backend behind one bind.
    const body = `frontend f
  bind 127.0.0.1:${await freePort()}
  acl url_static path_beg /static
  use_backend static if url_static
  default_backend dynamic
backend dynamic
  server d1 localhost:${dyn.port} check inter 200ms rise 1 fall 1
backend static
  server s1 127.0.0.1:${stat.port} check inter 200ms rise 1 fall 1
`;
    haproxy = new Haproxy(body.replace(/ check.*/g, ''), socket);
    await haproxy.start();
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(cfg, `global\n  stats socket ${socket} mode 600 level admin\n${body}`);
    daemon = new DaemonProcess(['run', '-c', cfg, '--listen', `127.0.0.1:${await freePort()}`]);
    await daemon.waitForLog('started', (l) => l.msg === 'rsguard started');
  });
  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    for (const b of [dyn, stat]) await b?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each backend is driven on its own: a dead server of one goes to maint, the other backend is left as it is', async () => {
    await haproxy.until('both in', 'dynamic', { d1: 'ready' });
    await dyn.kill();
    await haproxy.until('d1 out', 'dynamic', { d1: 'maint' });
    assert.deepEqual(await haproxy.until('s1 untouched', 'static', { s1: 'ready' }), { s1: 'ready' });
  });
});
