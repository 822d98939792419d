import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { admin, Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from './fault-rows.js';

const INTERVAL_MS = 200;
const FALL = 2;

interface RsStatus {
  port: number;
  hardState: string;
  checkError: { reason: string; count: number; detail: string } | null;
}

/**
 * rsguard's own faults must not empty a pool. The checks here are exec
 * scripts; taking the script away (ENOENT) is a fault of the director, and
 * every real server must keep its place in a real HAProxy, with one alert
 * for the reason instead of one per server. The control at the end makes
 * the same scripts say "down" and sees the pool empty, so the test can fail.
 */
describe('a blind checker never empties a pool (exec binary missing, real HAProxy)', () => {
  let dir: string;
  let script: string;
  let api: number;
  let backends: Backend[];
  let haproxy: Haproxy;
  let smtp: SmtpSink;
  let daemon: DaemonProcess;

  const states = async () => (await haproxy.state('web')).filter((s) => s.name.startsWith('s')).map((s) => admin(s));
  const status = async () => ((await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: RsStatus[] }> }).virtualServices[0]!.realServers;
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  const writeScript = (code: number) => {
    writeFileSync(script, `#!/bin/sh\nexit ${code}\n`);
    chmodSync(script, 0o755);
  };

  before(async () => {
    dir = testDir('blind');
    script = path.join(dir, 'check-web.sh');
    writeScript(0);
    backends = [];
    for (let i = 0; i < 3; i++) {
      const b = new Backend(await freePort(), `rs${i}`);
      await b.start();
      backends.push(b);
    }
    haproxy = new Haproxy(`backend web\n  balance roundrobin\n${backends.map((b, i) => `  server s${i} 127.0.0.1:${b.port}`).join('\n')}\n`);
    await haproxy.start();
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global:
  listen: 127.0.0.1:${port}
  startupSpread: 50ms
  checkDefaults: { interval: ${INTERVAL_MS}ms, timeout: 1s, retryInterval: 100ms, fall: ${FALL}, rise: 1 }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 1s }
notify:
  email: { to: [ops@example.com], from: lvs@example.com, routerId: BLIND, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 100ms, spoolDir: ${path.join(dir, 'spool')} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    haproxy: { backend: web }
    checks: [{ kind: exec, command: [${script}] }]
    realServers:
${backends.map((b, i) => `      - { address: 127.0.0.1:${b.port}, haproxyServer: s${i} }`).join('\n')}
`,
    ));
    await waitFor('pool ready', async () => ((await states()).every((s) => s === 'ready') ? true : undefined));
    await waitFor('start mail', () => smtp.mails.find((m) => /rsguard started/.test(m.subject)));
  });
  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    await smtp?.stop();
    for (const b of backends ?? []) await b.kill();
    removeDir(dir);
  });

  it('the script gone: every server holds its place, status and metrics say checkError spawn, one mail', async () => {
    const mark = daemon.mark();
    const mailsBefore = smtp.mails.length;
    rmSync(script);
    const alert = await daemon.waitForLog('check error logged', (l) => l.msg.startsWith('checks cannot run') && l.checkError === 'spawn', 10_000, mark);
    // Enough error results that the old code (an error counted as a failure) would have taken every server out: fall + 2 each.
    const rs = await waitFor('errors piled up', async () => {
      const r = await status();
      return r.every((x) => (x.checkError?.count ?? 0) >= FALL + 2) ? r : undefined;
    }, 10_000);
    assert.deepEqual(rs.map((x) => [x.hardState, x.checkError?.reason]), [['up', 'spawn'], ['up', 'spawn'], ['up', 'spawn']]);
    assert.deepEqual(await states(), ['ready', 'ready', 'ready']);
    assert.deepEqual(daemon.logs.slice(mark).filter((l) => l.msg === 'real server state changed'), []);
    assert.equal(daemon.logs.slice(mark).filter((l) => l.msg.startsWith('checks cannot run')).length, 1, 'one log line for the reason, not one per server');
    assert.ok((await metric('rsguard_check_errors_total{reason="spawn"}')) >= 3 * (FALL + 2));
    assert.equal(await metric('rsguard_checks_erroring{reason="spawn"}'), 3);
    // The director is blind: rsguard health says so (exit 1) for keepalived.
    const health = spawnSync(process.execPath, [CLI, 'health', '--url', `http://127.0.0.1:${api}`], { encoding: 'utf8' });
    assert.equal(health.status, 1, health.stdout);
    assert.match(health.stdout, /SICK: 3\/3 checks blind \(0 stale, 3 cannot run\)/);
    const table = spawnSync(process.execPath, [CLI, 'status', '--url', `http://127.0.0.1:${api}`], { encoding: 'utf8' });
    assert.equal(table.stdout.match(/CHECK ERROR \(spawn\) cannot run .*ENOENT.*; state held/g)?.length, 3, table.stdout);
    const mail = await waitFor('one check-error mail', () => smtp.mails.slice(mailsBefore).find((m) => /cannot run checks \(spawn\)/.test(m.subject)));
    assert.match(mail.body, /not of the real servers/);
    assert.ok(typeof alert.detail === 'string' && alert.detail.includes('ENOENT'));
    await new Promise((r) => setTimeout(r, 500));
    const sent = smtp.mails.slice(mailsBefore);
    assert.equal(sent.filter((m) => /cannot run checks/.test(m.subject)).length, 1);
    assert.deepEqual(sent.filter((m) => /DOWN/.test(m.subject) || /DOWN/.test(m.body)), []);
  });

  it('control: the same scripts saying "down" do empty the pool, so the test above could fail', async () => {
    const mark = daemon.mark();
    writeScript(1);
    await daemon.waitForLog('checks run again', (l) => l.msg === 'checks run again', 10_000, mark);
    await waitFor('pool out', async () => ((await states()).every((s) => s === 'maint') ? true : undefined), 10_000);
    writeScript(0);
    await waitFor('pool back', async () => ((await states()).every((s) => s === 'ready') ? true : undefined), 10_000);
    const health = spawnSync(process.execPath, [CLI, 'health', '--url', `http://127.0.0.1:${api}`], { encoding: 'utf8' });
    assert.equal(health.status, 0, health.stdout);
    recordFault({ fault: 'exec binary missing (ENOENT) under a real HAProxy', tried: 3, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'pool kept, one alert' });
  });
});
