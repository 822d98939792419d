import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';

/** A real rsyslogd (Debian's) listening on a loopback UDP port and writing `facility severity program message` lines. */
describe('global.log: syslog, into a real rsyslogd on loopback', () => {
  let dir: string;
  let rsyslog: ChildProcess;
  let port: number;
  let out: string;
  const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-syslog-'));
    port = await freePort();
    out = path.join(dir, 'out.log');
    writeFileSync(
      path.join(dir, 'rsyslog.conf'),
      `global(workDirectory="${dir}")\nmodule(load="imudp")\ninput(type="imudp" port="${port}" address="127.0.0.1")\ntemplate(name="t" type="string" string="%syslogfacility-text% %syslogseverity-text% %programname% %msg%\\n")\n*.* action(type="omfile" file="${out}" template="t")\n`,
    );
    rsyslog = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')], { stdio: 'ignore' });
    // Ready when a datagram of ours comes out the other end.
    const probe = dgram.createSocket('udp4');
    try {
      await waitFor('rsyslogd to take input', () => {
        probe.send('<14>ready: rsyslogd is up', port, '127.0.0.1');
        return lines().some((l) => l.includes('rsyslogd is up')) ? true : undefined;
      }, 15_000, 100);
    } finally {
      probe.close();
    }
  });
  after(() => {
    rsyslog?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the daemon logs to it with the configured facility and the level as the severity: a start at info, a down server at warning', async () => {
    const backend = new Backend(await freePort(), 'ok');
    await backend.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global:\n  listen: 127.0.0.1:${await freePort()}\n  stateFile: false\n  startupSpread: 50ms\n  log: { to: syslog, facility: local0, address: 127.0.0.1:${port} }\n  checkDefaults: { interval: 200ms, timeout: 500ms, retryInterval: 100ms, fall: 1, rise: 1 }\nvirtualServices:\n  - address: 192.0.2.1:80\n    checks: [{ kind: http, path: / }]\n    realServers: [{ address: 127.0.0.1:${backend.port} }]\n`,
    );
    const daemon = new DaemonProcess(['run', '-c', file]);
    try {
      const started = await waitFor('the start line in syslog', () => lines().find((l) => l.includes('rsguard started')), 15_000);
      assert.match(started, /^local0 info rsguard /);
      assert.match(started, /"msg":"rsguard started"/);
      assert.equal(daemon.logs.length, 0, 'nothing on stdout when logging to syslog');
      await backend.kill();
      const down = await waitFor('the down line in syslog', () => lines().find((l) => l.includes('real server state changed')), 15_000);
      assert.match(down, /^local0 warning rsguard .*"to":"down"/);
    } finally {
      await daemon.stop();
      await backend.kill();
    }
  });

  it('ldirectord logfile="local0" becomes syslog local0; a file path stays a warning', () => {
    const cf = path.join(dir, 'ldirectord.cf');
    writeFileSync(cf, 'logfile="local0"\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n');
    const r = spawnSync(process.execPath, [CLI, 'import', cf], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /log:\n\s+to: syslog\n\s+facility: local0/);
    writeFileSync(cf, 'logfile="/var/log/ldirectord.log"\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n');
    const p = spawnSync(process.execPath, [CLI, 'import', cf], { encoding: 'utf8' });
    assert.doesNotMatch(p.stdout, /to: syslog/);
    assert.match(p.stdout, /# warning: .*logfile accepted but not acted on/);
  });
});
