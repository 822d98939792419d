import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { mailSettled } from '../helpers/mail-settled.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from '../faults/fault-rows.js';

describe('email alerts through a real SMTP server', () => {
  let dir: string;
  let file: string;
  let smtp: SmtpSink;
  let backend: Backend;
  let other: Backend;
  let daemon: DaemonProcess;
  let api: number;
  const spool = () => path.join(dir, 'spool');
  const config = () => `global:
  listen: 127.0.0.1:${api}
  startupSpread: 50ms
  checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 }
notify:
  email:
    to: [ops@example.com]
    from: lvs@example.com
    routerId: LVS_TEST
    smtp: { host: 127.0.0.1, port: ${smtp.port}, connectTimeout: 2s }
    digestWindow: 1500ms   # generous: the two deaths and the lost quorum land inside it even on a loaded box
    spoolDir: ${spool()}
virtualServices:
  - name: web
    address: 10.0.0.1:80
    checks: [{ kind: http, path: /health }]
    realServers:
      - { address: 127.0.0.1:${backend.port} }
      - { address: 127.0.0.1:${other.port} }
`;
  const start = async () => {
    api = await freePort();
    writeFileSync(file, config());
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-mail-'));
    file = path.join(dir, 'rsguard.yaml');
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    backend = new Backend(await freePort());
    other = new Backend(await freePort());
    await backend.start();
    await other.start();
    await start();
  });
  after(async () => {
    await daemon.stop();
    await smtp.stop();
    await backend.kill();
    await other.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mails that rsguard started', async () => {
    await waitFor('start mail', () => (smtp.mails.length >= 1 ? true : undefined));
    assert.deepEqual(smtp.subjects(), ['[LVS_TEST] rsguard started']);
    assert.deepEqual(smtp.mails[0]!.to, ['ops@example.com']);
    assert.equal(smtp.mails[0]!.from, 'lvs@example.com');
  });

  it('a kill gives one DOWN mail in keepalived shape, saying which check failed, why, and the pool', async () => {
    smtp.mails.length = 0;
    await backend.kill();
    await waitFor('down mail', () => (smtp.mails.length >= 1 ? true : undefined), 10_000);
    await mailSettled(daemon, api); // nothing more to come: "one" mail is then the whole count
    assert.deepEqual(smtp.subjects(), [`[LVS_TEST] Realserver 127.0.0.1:${backend.port} of virtual server 10.0.0.1:80 - DOWN`]);
    const body = smtp.mails[0]!.body;
    assert.match(body, /is DOWN \(http GET \/health: connection refused\)/);
    assert.match(body, /Pools now:/);
    assert.match(body, new RegExp(`-> 127\\.0\\.0\\.1:${other.port}\\s+Route\\s+1\\s+up/hard`));
    const hardLog = daemon.logs.findIndex((l) => l.msg === 'real server state changed' && l.to === 'down');
    const mailLog = daemon.logs.findIndex((l) => l.msg === 'mail sent' && String(l.subject).includes('DOWN'));
    assert.ok(hardLog >= 0 && mailLog > hardLog, 'logged before mailed');
  });

  it('a recovery gives one UP mail; transitions inside the window make one digest', async () => {
    smtp.mails.length = 0;
    await backend.start();
    await waitFor('up mail', () => (smtp.mails.length >= 1 ? true : undefined), 10_000);
    assert.deepEqual(smtp.subjects(), [`[LVS_TEST] Realserver 127.0.0.1:${backend.port} of virtual server 10.0.0.1:80 - UP`]);
    smtp.mails.length = 0;
    await backend.kill();
    await other.kill();
    await waitFor('digest', () => (smtp.mails.length >= 1 ? true : undefined), 10_000);
    // Not a fixed wait (800 ms was shorter than the 1.5 s window): until nothing is pending, so a second mail would be here.
    await mailSettled(daemon, api);
    assert.equal(smtp.mails.length, 1, smtp.subjects().join('\n'));
    // Both down is also the virtual service losing quorum (keepalived mails "Virtualserver ... - DOWN").
    assert.equal(smtp.subjects()[0], '[LVS_TEST] rsguard: 3 transitions (2 DOWN, 1 other)');
    assert.match(smtp.mails[0]!.body, /web \(10\.0\.0\.1:80\) lost quorum \(up weight 0, quorum 1\)/);
  });

  it('mail sent while the SMTP server is down arrives once it is back, exactly once', async () => {
    await smtp.stop();
    smtp.mails.length = 0;
    await backend.start();
    await daemon.waitForLog('send failed', (l) => l.msg === 'mail not sent, will retry', 10_000);
    assert.ok(readdirSync(spool()).some((f) => f.startsWith('ev-')), 'the transition waits in the spool');
    await smtp.start();
    await waitFor('mail after outage', () => (smtp.mails.length >= 1 ? true : undefined), 15_000);
    await mailSettled(daemon, api);
    assert.deepEqual(smtp.subjects(), ['[LVS_TEST] rsguard: 2 transitions (1 UP, 1 other)'], 'the UP and the regained quorum, once');
    assert.match(smtp.mails[0]!.body, new RegExp(`127\\.0\\.0\\.1:${backend.port} in web is UP again`));
    assert.deepEqual(readdirSync(spool()).filter((f) => f.startsWith('ev-')), []);
    recordFault({ fault: 'SMTP refusing, then accepting', tried: 1, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'spooled, delivered once' });
  });

  it('pending mail survives a restart and is sent once by the next run', async () => {
    await smtp.stop();
    smtp.mails.length = 0;
    await other.start();
    const mark = daemon.mark();
    await daemon.waitForLog('up logged', (l) => l.msg === 'real server state changed' && l.to === 'up', 10_000, mark);
    await daemon.waitForLog('pending', (l) => l.msg === 'mail not sent, will retry', 10_000, mark);
    await daemon.stop();
    assert.ok(readdirSync(spool()).filter((f) => f.startsWith('ev-')).length >= 2, 'UP and stopping wait in the spool');
    await smtp.start();
    await start();
    await waitFor('spooled mail delivered', () => (smtp.mails.some((m) => m.body.includes(`127.0.0.1:${other.port} in web is UP again`)) ? true : undefined), 15_000);
    await mailSettled(daemon, api);
    const ups = smtp.mails.filter((m) => m.body.includes(`127.0.0.1:${other.port} in web is UP again`));
    assert.equal(ups.length, 1, 'delivered exactly once');
    assert.equal(new Set(smtp.mails.map((m) => m.messageId)).size, smtp.mails.length);
  });
});
