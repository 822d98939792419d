import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, openSync, closeSync, constants, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { freePort, waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

const FALL = 2;
interface RsStatus {
  address: string;
  hardState: string;
  checkError: { reason: string; count: number } | null;
}

describe('local faults of the director are check errors, not dead servers', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = testDir('local');
    chmodSync(d, 0o755); // readable by the unprivileged daemon below
    dirs.push(d);
    return d;
  };
  after(() => {
    dirs.forEach(removeDir);
  });

  it('out of descriptors (EMFILE, a real RLIMIT_NOFILE): tcp, http and exec probes say "descriptors", not down', () => {
    const script = fileURLToPath(new URL('../helpers/emfile-probe.js', import.meta.url));
    const res = spawnSync('prlimit', ['--nofile=128:128', process.execPath, script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout) as Record<string, { ok: boolean; error?: string; detail: string }> & { held: number };
    assert.equal(out.before!.ok, true, 'the server is up: a failure after this is the director\'s');
    for (const kind of ['tcp', 'http', 'exec']) assert.deepEqual([kind, out[kind]!.ok, out[kind]!.error], [kind, false, 'descriptors'], out[kind]!.detail);
    recordFault({ fault: 'descriptors exhausted (EMFILE) in tcp/http/exec probes', tried: 3, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'check error "descriptors"' });
  });

  it('icmp without CAP_NET_RAW (daemon run as nobody): every server holds, checkError permission', async () => {
    const dir = tmp();
    const { daemon, api } = await runDaemon(
      dir,
      (port) => `global:
  listen: 127.0.0.1:${port}
  startupSpread: 50ms
  checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: ${FALL}, rise: 1 }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - name: ping
    address: 10.0.0.1:80
    checks: [{ kind: icmp }]
    realServers: [{ address: 127.0.0.1:80 }, { address: 127.0.0.2:80 }, { address: 127.0.0.3:80 }]
`,
      { wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'] },
    );
    try {
      const rs = await waitFor('errors piled up', async () => {
        const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: RsStatus[] }> };
        const r = doc.virtualServices[0]!.realServers;
        return r.every((x) => (x.checkError?.count ?? 0) >= FALL + 2) ? r : undefined;
      }, 10_000);
      assert.deepEqual(rs.map((x) => [x.hardState, x.checkError?.reason]), [['up', 'permission'], ['up', 'permission'], ['up', 'permission']]);
      assert.deepEqual(daemon.logs.filter((l) => l.msg === 'real server state changed'), []);
      const alert = daemon.logs.filter((l) => l.msg.startsWith('checks cannot run'));
      assert.equal(alert.length, 1);
      assert.match(String(alert[0]!.detail), /CAP_NET_RAW/);
    } finally {
      await daemon.stop();
    }
    recordFault({ fault: 'icmp without CAP_NET_RAW (daemon as nobody)', tried: 3, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'pool kept, one alert' });
  });

  it('keepalivedFifo added by a reload is opened (keepalived\'s writes reach rsguard), and closed when removed', async () => {
    const dir = tmp();
    const api = await freePort();
    const fifo = path.join(dir, 'notify.fifo');
    execFileSync('mkfifo', [fifo]);
    const config = (withFifo: boolean) => `global: { listen: 127.0.0.1:${api}, startupSpread: 50ms }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')}${withFifo ? `, keepalivedFifo: ${fifo}` : ''} }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:9 }] }
`;
    const { daemon, file } = await runDaemon(dir, config(false), { api });
    // A writer that never blocks: with no reader, open fails (ENXIO) instead of hanging, as a stuck keepalived would.
    const write = (line: string) => {
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    };
    try {
      assert.throws(() => write('INSTANCE "VI_0" MASTER 100\n'), /ENXIO/, 'before the reload nobody reads the fifo');
      writeFileSync(file, config(true));
      let mark = daemon.mark();
      daemon.signal('SIGHUP');
      await daemon.waitForLog('fifo opened', (l) => l.msg === 'reading keepalived notify_fifo', 10_000, mark);
      await waitFor('a reader on the fifo', () => {
        try {
          write('INSTANCE "VI_1" MASTER 100\n');
          return true;
        } catch {
          return undefined;
        }
      });
      const t = await daemon.waitForLog('vrrp transition', (l) => l.msg === 'vrrp transition' && l.name === 'VI_1', 10_000, mark);
      assert.equal(t.state, 'MASTER');
      writeFileSync(file, config(false));
      mark = daemon.mark();
      daemon.signal('SIGHUP');
      await daemon.waitForLog('fifo closed', (l) => l.msg === 'notify_fifo closed', 10_000, mark);
    } finally {
      await daemon.stop();
    }
  });
});
