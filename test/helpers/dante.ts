import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Debian's Dante SOCKS server (package dante-server), in the foreground on
 * loopback: SOCKS4 CONNECT to 127.0.0.1 is passed for `allowPorts` and
 * blocked (reply 0x5B) for every other port. Stop it with stop().
 */
export class Dante {
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  stderr = '';

  constructor(
    readonly port: number,
    private readonly allowPorts: readonly number[],
  ) {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(path.join(tmpdir(), 'rsguard-dante-'));
    const conf = path.join(this.dir, 'sockd.conf');
    const pass = this.allowPorts.map((p) => `socks pass { from: 127.0.0.0/8 to: 127.0.0.1/32 port = ${p} command: connect }`).join('\n');
    writeFileSync(
      conf,
      `logoutput: stderr
internal: 127.0.0.1 port = ${this.port}
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
${pass}
socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }
`,
    );
    const child = spawn('danted', ['-f', conf, '-p', path.join(this.dir, 'sockd.pid'), '-N', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`danted exited ${child.exitCode}: ${this.stderr}`);
      if (await answers(this.port)) return;
      if (Date.now() > until) throw new Error(`danted did not listen on ${this.port}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
