import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeClient } from '../src/actuators/haproxy/runtime-client.js';
import type { CheckerPeer, PeerSettings } from './peer.js';

/**
 * HAProxy checking the same farm with the same settings: the reference the
 * issue's ratios are taken against. `option httpchk GET /health` with
 * `http-check expect string ok` is what rsguard's `expectBody: ok` does; plain
 * `check` in mode tcp is a connect check, like rsguard's tcp. HAProxy spreads
 * first checks over `inter` itself. nbthread is left at its default (one
 * thread per CPU), as admins run it.
 */
export function haproxyConfig(s: PeerSettings, sock: string): string {
  const per = 250;
  const backends: string[] = [];
  for (let b = 0; b * per < s.ports.length; b++) {
    const servers = s.ports.slice(b * per, (b + 1) * per).map((p, i) => `  server s${b * per + i} 127.0.0.1:${p} check`);
    const http = s.kind === 'http' ? '  option httpchk GET /health\n  http-check expect string ok\n' : '';
    backends.push(`backend b${b}\n  mode ${s.kind === 'http' ? 'http' : 'tcp'}\n${http}  default-server inter ${s.intervalMs} fastinter ${s.intervalMs} downinter ${s.intervalMs} fall 3 rise 2\n${servers.join('\n')}`);
  }
  return `global\n  maxconn 2000\n  stats socket ${sock} mode 600 level admin\ndefaults\n  timeout connect 1s\n  timeout check 1s\n  timeout client 5s\n  timeout server 5s\n${backends.join('\n')}\n`;
}

export async function startHaproxy(s: PeerSettings): Promise<CheckerPeer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-haproxy-'));
  const sock = path.join(dir, 'admin.sock');
  writeFileSync(path.join(dir, 'haproxy.cfg'), haproxyConfig(s, sock));
  const child = spawn('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const client = new RuntimeClient(sock, 5000);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    if (await client.send('show info').then(() => true, () => false)) break;
    if (i > 100) throw new Error('haproxy did not open its stats socket');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'haproxy',
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    async failures() {
      // show stat is CSV with a header line; chkfail counts failed checks per server.
      const csv = await client.send('show stat');
      const lines = csv.split('\n').filter(Boolean);
      const cols = (lines.find((l) => l.startsWith('# ')) ?? '').slice(2).split(',');
      const rows = lines.filter((l) => !l.startsWith('#'));
      const at = cols.indexOf('chkfail');
      return rows.reduce((sum, row) => sum + (Number(row.split(',')[at]) || 0), 0);
    },
    lag: async () => undefined,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
