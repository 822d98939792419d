import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { VrrpPair } from '../helpers/vrrp-pair.js';

const TOKEN = 'vrrp-test-token-0123456789';

describe('VRRP transitions from real keepalived (two network namespaces)', () => {
  let dir: string;
  let api: number;
  let smtp: SmtpSink;
  let pair: VrrpPair;
  let daemon: DaemonProcess;
  const translog = () => path.join(dir, 'keepalived-state.log');
  const metric = async () => (await (await fetch(`http://127.0.0.1:${api}/metrics`)).text()).match(/^rsguard_vrrp_state\{vrrp_instance="VI_T"\} (\d)/m)?.[1];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-vrrp-'));
    api = await freePort();
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global: { listen: 127.0.0.1:${api}, apiToken: ${TOKEN} }
notify:
  transitionLog: ${translog()}
  keepalivedFifo: ${path.join(dir, 'notify.fifo')}
  vrrpSpoolDir: ${path.join(dir, 'vrrp-spool')}
  email: { to: [ops@example.com], routerId: LVS_B, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 200ms, spoolDir: ${path.join(dir, 'mail')} }
virtualServices:
  - address: 192.0.2.1:80
    realServers: [{ address: 127.0.0.1:1, checks: [] }]
`,
    );
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
    pair = new VrrpPair(dir);
    pair.setup();
    // The notify script runs inside keepalived's namespace; nsenter takes it back to this one, where rsguard listens.
    const notify = `notify "/usr/bin/nsenter --net=/proc/${process.pid}/ns/net ${process.execPath} ${CLI} notify --url http://127.0.0.1:${api} --token ${TOKEN} --spool ${path.join(dir, 'vrrp-spool')}"`;
    pair.start(0, 150);
    pair.start(1, 100, `  notify_fifo ${path.join(dir, 'notify.fifo')}`, notify);
  });
  after(async () => {
    await pair?.close();
    await daemon?.stop();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the backup director entering BACKUP', async () => {
    await daemon.waitForLog('backup', (l) => l.msg === 'vrrp transition' && l.name === 'VI_T' && l.state === 'BACKUP', 30_000);
    assert.equal(await waitFor('metric 2', async () => ((await metric()) === '2' ? '2' : undefined)), '2');
  });

  it('stopping the master makes the backup MASTER: logged, in the transition log, counted, mailed', async () => {
    const mark = daemon.mark();
    await pair.stop(0);
    const line = await daemon.waitForLog('master', (l) => l.msg === 'vrrp transition' && l.name === 'VI_T' && l.state === 'MASTER', 30_000, mark);
    assert.deepEqual([line.vrrp, line.priority], ['instance', 100]);
    assert.equal(await waitFor('metric 1', async () => ((await metric()) === '1' ? '1' : undefined)), '1');
    const text = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    assert.match(text, /^rsguard_vrrp_transitions_total\{vrrp_instance="VI_T",state="MASTER"\} [1-9]/m);
    await waitFor('transition log', () => (existsSync(translog()) && /\[Master\] .* instance VI_T is now MASTER \(priority 100\)/.test(readFileSync(translog(), 'utf8')) ? true : undefined));
    await waitFor('mail', () => (smtp.mails.some((m) => m.subject === '[LVS_B] VRRP Instance VI_T - Entering MASTER state') || smtp.mails.some((m) => m.body.includes('VI_T entered MASTER')) ? true : undefined), 15_000);
  });

  it('the same transitions also arrive through keepalived notify_fifo', async () => {
    const via = (v: string) => daemon.logs.some((l) => l.msg === 'vrrp transition' && l.name === 'VI_T' && l.state === 'MASTER' && l.via === v);
    await waitFor('MASTER through the fifo', () => (via('notify_fifo') ? true : undefined), 10_000);
    await waitFor('and through the notify script', () => (via('notify') ? true : undefined), 10_000);
  });
});
