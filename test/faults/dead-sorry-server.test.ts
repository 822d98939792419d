import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { QUICK_CHECKS, removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from './fault-rows.js';

interface Status {
  virtualServices: Array<{ sorryServerActive: boolean; sorryServerHealth: string | null }>;
}

describe('a dead sorry server is never put in', () => {
  let dir: string;
  let real: Backend;
  let sorry: Backend;
  let smtp: SmtpSink;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;
  let api: number;
  before(async () => {
    dir = testDir('sorry');
    real = new Backend(await freePort(), 'real');
    sorry = new Backend(await freePort(), 'sorry');
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    await real.start();
    await sorry.start();
    haproxy = new Haproxy(`backend web\n  server s0 127.0.0.1:${real.port}\n  server sorry 127.0.0.1:${sorry.port}\n`, path.join(dir, 'admin.sock'));
    await haproxy.start();
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global: { listen: 127.0.0.1:${port}, startupSpread: 50ms, stateFile: false, checkDefaults: ${QUICK_CHECKS} }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 300ms }
notify:
  email: { to: [ops@example.com], routerId: SORRY, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 50ms, spoolDir: ${path.join(dir, 'spool')} }
virtualServices:
  - name: web
    address: 127.0.0.1:80
    haproxy: { backend: web }
    checks: [{ kind: http, path: /, expectBody: real }]
    sorryServer: { address: 127.0.0.1:${sorry.port}, haproxyServer: sorry }
    realServers: [{ address: 127.0.0.1:${real.port}, haproxyServer: s0 }]
`,
    ));
  });
  after(async () => {
    await daemon.stop();
    await haproxy.close();
    await real.kill();
    await sorry.kill();
    await smtp.stop();
    removeDir(dir);
  });
  const status = async () => (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as Status;

  it('the sorry server is checked with a connect (its page need not match the real servers\' check), stands in when it is up, and is kept out, shown and mailed when it is down', async () => {
    await haproxy.until('real in, sorry out', 'web', { s0: 'ready', sorry: 'maint' });
    // First show the sorry server can stand in: the real server dies, the sorry server (answering "sorry") comes in.
    await real.kill();
    await haproxy.until('sorry stands in', 'web', { s0: 'maint', sorry: 'ready' });
    // Now the sorry server dies too: it must leave, not stay `ready` and fail every request.
    const mark = daemon.mark();
    await sorry.kill();
    await haproxy.until('dead sorry server taken out', 'web', { s0: 'maint', sorry: 'maint' });
    await daemon.waitForLog('sorry down logged', (l) => l.msg === 'sorry server down: it will not stand in', 10_000, mark);
    const st = await waitFor('status shows it', async () => {
      const s = await status();
      return s.virtualServices[0]!.sorryServerHealth === 'down' ? s : undefined;
    });
    assert.equal(st.virtualServices[0]!.sorryServerActive, false);
    const metrics = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    assert.match(metrics, new RegExp(`rsguard_sorry_server_up\\{vs="web",sorry_server="127.0.0.1:${sorry.port}"\\} 0`));
    // Several events in one digest window make one mail: the sorry server's line is in its body.
    const sorryLines = (state: string) => smtp.mails.flatMap((m) => m.body.split('\n')).filter((l) => new RegExp(`sorry server 127\\.0\\.0\\.1:${sorry.port} of web is ${state}`).test(l));
    await waitFor('DOWN mail for the sorry server', () => (sorryLines('DOWN').length ? true : undefined), 10_000);
    // Back up: it stands in again, and its UP is mailed.
    await sorry.start();
    await haproxy.until('sorry back in', 'web', { s0: 'maint', sorry: 'ready' });
    await waitFor('UP mail for the sorry server', () => (sorryLines('UP again').length ? true : undefined), 10_000);
    assert.equal(sorryLines('DOWN').length, 1, 'DOWN mailed once');
    assert.equal(sorryLines('UP again').length, 1, 'UP mailed once');
    recordFault({ fault: 'the sorry server dead too', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'kept in maint while down; shown in status and metrics; DOWN and UP mailed once each' });
  });
});
