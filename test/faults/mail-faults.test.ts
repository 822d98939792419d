import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { mailSettled } from '../helpers/mail-settled.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { QUICK_CHECKS, removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from './fault-rows.js';

/**
 * The mail spool on a full disk (a 256 KiB tmpfs filled to the last byte,
 * real ENOSPC) while the SMTP server also refuses: the DOWN mail must wait
 * in memory, go out once when SMTP accepts again, and spooling must resume
 * once there is space.
 */
describe('mail with the spool disk full and SMTP refusing, then accepting', () => {
  let dir: string;
  let spool: string;
  let smtp: SmtpSink;
  let smtpPort: number;
  let backend: Backend;
  let daemon: DaemonProcess;
  let api: number;
  let mounted = false;

  before(async () => {
    dir = testDir('enospc');
    spool = path.join(dir, 'spool');
    mkdirSync(spool);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'rsguard-test', spool]);
    mounted = true;
    smtpPort = await freePort();
    smtp = new SmtpSink(smtpPort);
    await smtp.start();
    backend = new Backend(await freePort());
    await backend.start();
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global:
  listen: 127.0.0.1:${port}
  startupSpread: 50ms
  checkDefaults: ${QUICK_CHECKS}
notify:
  vrrpSpoolDir: ${path.join(dir, 'vrrp')}
  email: { to: [ops@example.com], from: lvs@example.com, routerId: FULL, smtp: { host: 127.0.0.1, port: ${smtpPort}, connectTimeout: 1s }, digestWindow: 100ms, spoolDir: ${spool} }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:${backend.port} }] }
`,
    ));
    await waitFor('start mail', () => smtp.mails.find((m) => /rsguard started/.test(m.subject)));
    // The spool's bookkeeping for that mail (marker, mailed ids, removals) ends after the server accepted it:
    // wait for it, or its removals would free space on the filled disk below.
    await waitFor('start mail settled', () => (readdirSync(spool).some((f) => f.startsWith('ev-') || f.startsWith('sent-')) ? undefined : true));
  });
  after(async () => {
    await daemon?.stop();
    await smtp?.stop();
    await backend?.kill();
    if (mounted) execFileSync('umount', [spool]);
    removeDir(dir);
  });

  it('a DOWN while the disk is full and SMTP refuses is mailed exactly once when SMTP accepts; spooling resumes after', async () => {
    // Fill the tmpfs to the last byte: every spool write now fails with ENOSPC.
    const filler = path.join(spool, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(512 * 1024));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    await smtp.stop();
    const mark = daemon.mark();
    await backend.kill();
    await daemon.waitForLog('spool full', (l) => l.msg === 'mail spool write failed, keeping the mail in memory' && l.kind === 'rs-down', 10_000, mark);
    await daemon.waitForLog('smtp refused', (l) => l.msg === 'mail not sent, will retry', 10_000, mark);
    smtp = new SmtpSink(smtpPort);
    await smtp.start();
    const isDown = (m: { body: string }) => m.body.includes(`127.0.0.1:${backend.port} in web is DOWN`);
    const down = await waitFor('DOWN mail', () => smtp.mails.find(isDown), 15_000);
    assert.match(down.subject, /DOWN/);
    // Space again: the next event is spooled as usual and mailed once.
    rmSync(filler);
    await backend.start();
    await waitFor('UP mail', () => smtp.mails.find((m) => m.body.includes(`127.0.0.1:${backend.port} in web is UP again`)), 15_000);
    // Not a fixed wait: until the mailer has nothing pending and no retry due (retries come 1, 2, 4 s ... apart).
    await mailSettled(daemon, api);
    const ids = smtp.mails.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'a mail was sent twice');
    assert.equal(smtp.mails.filter(isDown).length, 1);
    await waitFor('spool empty', () => (readdirSync(spool).filter((f) => f.startsWith('ev-')).length === 0 ? true : undefined));
    recordFault({ fault: 'spool disk full (ENOSPC on tmpfs) + SMTP refusing, then accepting', tried: 2, transitionsLost: 0, mailsLost: 0, mailsDuplicated: ids.length - new Set(ids).size, poolFlaps: 0, crashes: 0, note: 'DOWN mailed once from memory, UP once from the spool' });
  });
});
