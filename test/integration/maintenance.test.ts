import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

const run = promisify(execFile);

interface Rs {
  key: string;
  state: string;
  inPool: boolean;
  drained: boolean;
  admin: { mode: string; reason: string | null; by: string | null } | null;
}

/**
 * `rsguard maint`: a server forced out as a down one would be, without
 * DOWN/UP mail, shown in status, and still in maintenance after the daemon is
 * killed and started again; undrain does not end it, unmaint does.
 */
describe('maintenance that survives a restart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-maint-'));
  const token = 'maint-token-0123456789';
  const file = path.join(dir, 'rsguard.yaml');
  let api: number;
  let smtp: SmtpSink;
  const backends: Backend[] = [];
  let daemon: DaemonProcess;

  const servers = async (): Promise<Rs[]> => ((await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: Rs[] }> }).virtualServices[0]!.realServers;
  const server = async (i: number) => (await servers()).find((r) => r.key === `127.0.0.1:${backends[i]!.port}`)!;
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args, '--url', `http://127.0.0.1:${api}`, '--token', token]);
  // DOWN/UP mails name the server as keepalived's do ("Realserver IP:PORT of ...", or "IP:PORT in web is DOWN" in a digest); the start mail's pool table lists every server and is not one.
  const mailsAbout = (i: number) => smtp.mails.filter((m) => new RegExp(`Realserver 127\\.0\\.0\\.1:${backends[i]!.port} of .* - (DOWN|UP)$`).test(m.subject) || new RegExp(`127\\.0\\.0\\.1:${backends[i]!.port} in web is (DOWN|UP)`).test(m.body));
  // The maintenance on/off line: its own subject, with who and why in the body.
  const holdMails = (i: number, what: string) => smtp.mails.filter((m) => m.subject.endsWith(`Realserver 127.0.0.1:${backends[i]!.port} of virtual server 192.0.2.1:80 - ${what}`) || m.body.includes(`127.0.0.1:${backends[i]!.port} in web is ${what === 'MAINTENANCE ON' ? 'in MAINTENANCE' : 'out of maintenance'}`));
  const metricLines = async () => (await (await fetch(`http://127.0.0.1:${api}/metrics`)).text()).split('\n').filter((l) => l.startsWith('rsguard_real_server_admin_since_seconds{'));
  const boardServer = async (i: number) => {
    const b = (await (await fetch(`http://127.0.0.1:${api}/api/board`)).json()) as { services: Array<{ servers: Array<{ key: string; maint: boolean; drained: boolean; hold: string | null }> }> };
    return b.services[0]!.servers.find((r) => r.key === `127.0.0.1:${backends[i]!.port}`)!;
  };

  before(async () => {
    api = await freePort();
    mkdirSync(path.join(dir, 'maint'));
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    for (let i = 0; i < 2; i++) {
      const b = new Backend(await freePort());
      await b.start();
      backends.push(b);
    }
    writeFileSync(
      file,
      `global: { listen: 127.0.0.1:${api}, apiToken: ${token}, maintenanceDir: ${path.join(dir, 'maint')}, stateFile: ${path.join(dir, 'checks.json')}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 } }\n` +
        `notify:\n  email: { to: [ops@example.com], routerId: MAINT, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 50ms, spoolDir: ${path.join(dir, 'spool')} }\n` +
        `virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${backends.map((b) => `      - { address: 127.0.0.1:${b.port} }\n`).join('')}`,
    );
    daemon = new DaemonProcess(['run', '-c', file]);
    await waitFor('both up', async () => ((await servers().catch(() => [])).filter((r) => r.state === 'up').length === 2 ? true : undefined), 15_000);
  });
  after(async () => {
    await daemon?.stop();
    await smtp?.stop();
    for (const b of backends) await b.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maint takes the server out, with who and why, and rsguard status says MAINT', async () => {
    const { stdout } = await cli('maint', 'web', `127.0.0.1:${backends[0]!.port}`, '--reason', 'deploy 42');
    assert.match(stdout, /in maintenance/);
    // /api/status is served from a cache up to 250 ms old, and the pool is replanned on the next turn.
    const s = await waitFor('out of the pool', async () => {
      const r = await server(0);
      return r.inPool ? undefined : r;
    }, 5000);
    assert.deepEqual([s.admin?.mode, s.admin?.reason, s.admin?.by], ['maint', 'deploy 42', '127.0.0.1']);
    assert.equal((await server(1)).inPool, true);
    const table = await run(process.execPath, [CLI, 'status', '--url', `http://127.0.0.1:${api}`]);
    assert.match(table.stdout, /MAINT \(deploy 42\)/);
  });

  it('maint is one mail line (who and why), a metric series with its start, and a badge on the status page', async () => {
    const mail = await waitFor('maintenance on mailed', () => holdMails(0, 'MAINTENANCE ON')[0], 10_000);
    assert.match(mail.body, /in MAINTENANCE \(by 127\.0\.0\.1 through api: deploy 42\)/);
    const lines = await waitFor('metric', async () => ((await metricLines()).length ? await metricLines() : undefined), 5000);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`rs="127\\.0\\.0\\.1:${backends[0]!.port}"`));
    assert.match(lines[0]!, /mode="maint",source="api"/);
    const since = Number(lines[0]!.split(' ').pop());
    assert.ok(Math.abs(since - Date.now() / 1000) < 60, `hold start ${since} is now`);
    const b = await boardServer(0);
    assert.equal(b.maint, true);
    assert.match(b.hold ?? '', /^maintenance since .* by 127\.0\.0\.1 through api: deploy 42$/);
    assert.equal((await boardServer(1)).maint, false);
  });

  it('a server in maintenance that goes down and up sends no mail; one that is not does (the mail path works)', async () => {
    await backends[0]!.kill();
    await waitFor('s0 down', async () => ((await server(0)).state === 'down' ? true : undefined), 10_000);
    await backends[0]!.start();
    await waitFor('s0 up', async () => ((await server(0)).state === 'up' ? true : undefined), 10_000);
    await backends[1]!.kill();
    await waitFor('the other server mailed down', () => (mailsAbout(1).length > 0 ? true : undefined), 15_000).catch((err: Error) => assert.fail(`${err.message}; mails: ${JSON.stringify(smtp.mails.map((m) => [m.subject, m.body.slice(0, 300)]))}`));
    assert.deepEqual(mailsAbout(0).map((m) => m.subject), [], 'no DOWN/UP mail for the server in maintenance');
    await backends[1]!.start();
    await waitFor('s1 up', async () => ((await server(1)).state === 'up' ? true : undefined), 10_000);
  });

  it('kill -9 and start again: still in maintenance, read back from disk', async () => {
    daemon.signal('SIGKILL');
    await daemon.waitExit();
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('restored', (l) => l.msg === 'drains and maintenance restored from disk' && l.restored === 1, 15_000);
    const s = await waitFor('status', async () => (await servers().catch(() => undefined))?.find((r) => r.key === `127.0.0.1:${backends[0]!.port}`), 10_000);
    assert.deepEqual([s.admin?.mode, s.admin?.reason, s.inPool], ['maint', 'deploy 42', false]);
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'checks.admin.json'), 'utf8')) as { holds: Array<{ mode: string }> };
    assert.deepEqual(onDisk.holds.map((h) => h.mode), ['maint']);
  });

  it('undrain does not end a maintenance (409, nothing changes); unmaint does, and the file forgets it', async () => {
    await assert.rejects(cli('undrain', 'web', `127.0.0.1:${backends[0]!.port}`), /409: .* is in maintenance, not drain: use unmaint/);
    assert.equal((await server(0)).admin?.mode, 'maint');
    await cli('unmaint', 'web', `127.0.0.1:${backends[0]!.port}`);
    await waitFor('back in the pool', async () => ((await server(0)).inPool ? true : undefined), 10_000);
    assert.equal((await server(0)).admin, null);
    await waitFor('maintenance off mailed', () => holdMails(0, 'MAINTENANCE OFF')[0], 10_000);
    assert.deepEqual(await metricLines(), [], 'no series once nothing is held');
    // Once on (before the restart) and once off: the restart read the hold back without announcing it again.
    assert.equal(holdMails(0, 'MAINTENANCE ON').length, 1);
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'checks.admin.json'), 'utf8')) as { holds: unknown[] };
    assert.deepEqual(onDisk.holds, []);
  });

  it("ldirectord's maintenancedir: a file named IP:PORT takes that server out, one named IP every service of that host; removing it ends it; an operator's hold is left alone", async () => {
    const maint = path.join(dir, 'maint');
    await cli('maint', 'web', `127.0.0.1:${backends[1]!.port}`, '--reason', 'by hand');
    writeFileSync(path.join(maint, `127.0.0.1:${backends[0]!.port}`), '');
    const s0 = await waitFor('s0 in maintenance from the file', async () => {
      const r = await server(0);
      return r.admin?.mode === 'maint' && !r.inPool ? r : undefined;
    }, 10_000);
    assert.equal(s0.admin?.reason, `file 127.0.0.1:${backends[0]!.port} in ${maint}`);
    rmSync(path.join(maint, `127.0.0.1:${backends[0]!.port}`));
    await waitFor('s0 back', async () => ((await server(0)).admin === null ? true : undefined), 10_000);
    // The host-wide name: every server of 127.0.0.1, but the one held by hand keeps its own reason and stays when the file goes.
    writeFileSync(path.join(maint, '127.0.0.1'), '');
    await waitFor('s0 in maintenance from the host file', async () => ((await server(0)).admin?.reason === `file 127.0.0.1 in ${maint}` ? true : undefined), 10_000);
    assert.equal((await server(1)).admin?.reason, 'by hand');
    rmSync(path.join(maint, '127.0.0.1'));
    await waitFor('s0 back again', async () => ((await server(0)).admin === null ? true : undefined), 10_000);
    assert.equal((await server(1)).admin?.reason, 'by hand', 'the operator hold is not the directory\'s to end');
    await cli('unmaint', 'web', `127.0.0.1:${backends[1]!.port}`);
  });
});
