import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Resolver } from 'node:dns/promises';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { unboundConf as peerConf } from '../helpers/protocol-peers.js';
import { waitFor } from '../helpers/ports.js';

/**
 * haproxy.cfg servers resolved through a `resolvers` section, asked again
 * every `hold valid` against a real unbound (HAProxy 2.6 configuration.txt
 * 5.3). Asking again must ask the names only: an answer that moved a server
 * moves it, and an edit of haproxy.cfg made meanwhile (no SIGHUP) is not
 * applied with it; before, the whole file was loaded again at every
 * `hold valid` and any edit went in unasked. Ports 22030-22032.
 */
const DNS_PORT = 22030;
const API = 22031;
const SERVER_PORT = 22032;

const unboundConf = (dir: string, address: string) => peerConf(dir, DNS_PORT, [`app.rsguard.test. 1 IN A ${address}`]);

async function answer(): Promise<string[]> {
  const r = new Resolver({ timeout: 500, tries: 1 });
  r.setServers([`127.0.0.1:${DNS_PORT}`]);
  return r.resolve4('app.rsguard.test').catch(() => []);
}

describe('haproxy.cfg resolvers: names asked again, nothing else', () => {
  it('a new answer moves its server; an edit of the file made meanwhile waits for a reload', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-resolvers-'));
    const conf = path.join(dir, 'unbound.conf');
    writeFileSync(conf, unboundConf(dir, '127.0.0.1'));
    const unbound: ChildProcess = spawn('unbound', ['-d', '-c', conf], { stdio: 'ignore' });
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      `global\n  stats socket ${path.join(dir, 'admin.sock')} mode 600 level admin\nresolvers dns\n  nameserver ns1 127.0.0.1:${DNS_PORT}\n  hold valid 1s\nbackend app\n  server web1 app.rsguard.test:${SERVER_PORT} check resolvers dns resolve-prefer ipv4 init-addr none\n`,
    );
    let daemon: DaemonProcess | undefined;
    try {
      await waitFor('unbound', async () => ((await answer()).length ? true : undefined));
      daemon = new DaemonProcess(['run', '-c', cfg, '--listen', `127.0.0.1:${API}`, '--dry-run', '--log-level', 'debug']);
      await daemon.waitForLog('start', (l) => l.msg === 'rsguard started', 20_000);
      const servers = async () => ((await (await fetch(`http://127.0.0.1:${API}/api/status`)).json()) as { virtualServices: Array<{ realServers: Array<{ address: string; port: number }> }> }).virtualServices[0]!.realServers.map((r) => `${r.address}:${r.port}`);
      assert.deepEqual(await servers(), [`127.0.0.1:${SERVER_PORT}`]);
      // Asked again every second, nothing changed: no reload of the model.
      await waitFor('asked again twice', () => (daemon!.logs.filter((l) => l.msg === 'host names asked again').length >= 2 ? true : undefined), 10_000);
      assert.ok(daemon.logs.filter((l) => l.msg === 'host names asked again').every((l) => l.changed === false));

      // The file is edited (a second server) without a SIGHUP, then the name's answer changes.
      appendFileSync(cfg, `  server web2 127.0.0.2:${SERVER_PORT} check\n`);
      const mark = daemon.mark();
      writeFileSync(conf, unboundConf(dir, '127.0.0.3'));
      unbound.kill('SIGHUP');
      await waitFor('the new answer', async () => ((await answer())[0] === '127.0.0.3' ? true : undefined));
      const moved = await daemon.waitForLog('moved', (l) => l.msg === 'server address changed: its name resolves elsewhere now', 10_000, mark);
      assert.deepEqual([moved.server, moved.from, moved.to], ['web1', `127.0.0.1:${SERVER_PORT}`, `127.0.0.3:${SERVER_PORT}`]);
      await waitFor('moved in status', async () => ((await servers())[0] === `127.0.0.3:${SERVER_PORT}` ? true : undefined));
      // Several more rounds: the edit (web2) is still not in, until a reload asks for the file.
      await waitFor('asked again twice more', () => (daemon!.logs.slice(mark).filter((l) => l.msg === 'host names asked again').length >= 3 ? true : undefined), 10_000);
      assert.deepEqual(await servers(), [`127.0.0.3:${SERVER_PORT}`]);
      assert.equal(daemon.logs.filter((l) => l.msg === 'config reloaded').length, 0);
      daemon.signal('SIGHUP');
      await daemon.waitForLog('reloaded', (l) => l.msg === 'config reloaded', 10_000, mark);
      // /api/status is a snapshot at most 250 ms old (http/cached-json.ts).
      await waitFor('both servers after the reload', async () => ((await servers()).sort().join() === `127.0.0.2:${SERVER_PORT},127.0.0.3:${SERVER_PORT}` ? true : undefined), 2000);
    } finally {
      await daemon?.stop();
      unbound.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
