import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeClient } from '../../src/actuators/haproxy/runtime-client.js';
import { parseServersState, type ServerState } from '../../src/actuators/haproxy/servers-state.js';
import { waitFor } from './ports.js';

/** A real HAProxy 2.6 in the foreground with an admin stats socket, started and stopped by a test. */
export class Haproxy {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'rsguard-haproxy-'));
  readonly socket: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  readonly client: RuntimeClient;

  /** `socket`: where the admin socket goes (default: in its own temp dir). */
  constructor(private readonly body: string, socket?: string, private readonly extra: { global?: string; defaults?: string } = {}) {
    this.socket = socket ?? path.join(this.dir, 'admin.sock');
    this.client = new RuntimeClient(this.socket, 2000);
  }

  config(): string {
    return `global\n  stats socket ${this.socket} mode 600 level admin\n  stats timeout 10s\n${this.extra.global ?? ''}defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n${this.extra.defaults ?? ''}${this.body}`;
  }

  async start(): Promise<void> {
    const cfg = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(cfg, this.config());
    const check = spawnSync('haproxy', ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy -c: ${check.stderr}`);
    rmSync(this.socket, { force: true });
    const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    await waitFor('haproxy socket', () => (existsSync(this.socket) ? true : undefined));
  }

  /** The running process's pid (a reload or restart changes it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * A soft reload as systemd's ExecReload and package upgrades do it: a new
   * process reads the config (and the server-state file) and takes over the
   * sockets, the old one finishes its connections (`-sf`).
   */
  async reload(): Promise<void> {
    const cfg = path.join(this.dir, 'haproxy.cfg');
    const old = this.child;
    const oldExited = this.exited;
    const child = spawn('haproxy', ['-f', cfg, '-db', '-sf', String(old?.pid)], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    await oldExited;
    await waitFor('haproxy socket after reload', async () => ((await this.client.send('show info').catch(() => '')).includes(`Pid: ${child.pid}`) ? true : undefined));
  }

  async state(backend: string): Promise<ServerState[]> {
    return parseServersState(await this.client.send(`show servers state ${backend}`));
  }

  /** Each server of a backend as tests compare them: `ready/3` (admin state/weight), or `ready` alone. */
  async summary(backend: string, withWeight = true): Promise<Record<string, string>> {
    return Object.fromEntries((await this.state(backend)).map((s) => [s.name, withWeight ? `${admin(s)}/${s.weight}` : admin(s)]));
  }

  /**
   * Waits until every server named in `want` shows that state (`maint/2`, or
   * `maint` to ignore the weight); a timeout says what HAProxy last had.
   */
  async until(what: string, backend: string, want: Record<string, string>, timeoutMs = 15_000): Promise<Record<string, string>> {
    const withWeight = Object.values(want).some((v) => v.includes('/'));
    let last: Record<string, string> | undefined;
    return waitFor(what, async () => {
      const s = await this.summary(backend, withWeight).catch(() => undefined);
      last = s ?? last;
      return s && Object.entries(want).every(([k, v]) => s[k] === v) ? s : undefined;
    }, timeoutMs, 20).catch((err: Error) => {
      throw new Error(`${err.message}; HAProxy last had ${JSON.stringify(last)}`);
    });
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function admin(s: ServerState | undefined): 'ready' | 'drain' | 'maint' | 'missing' {
  if (!s) return 'missing';
  if (s.adminState & 0x01) return 'maint';
  if (s.adminState & 0x08) return 'drain';
  return 'ready';
}
