import { rmSync } from 'node:fs';
import net from 'node:net';

export interface TappedCommand {
  /** When the tap read the line (Date.now()): comparable with pino's `time`. */
  at: number;
  command: string;
}

/**
 * A unix socket in front of HAProxy's runtime socket that writes down every
 * command line it passes on: one tap per rsguard process, so the test counts
 * each process's balancer writes where HAProxy receives them, not where the
 * process says it sent them (a process that writes without logging, or logs
 * without writing, cannot fool it). The bytes go through unchanged.
 */
export class SocketTap {
  readonly commands: TappedCommand[] = [];
  private readonly server = net.createServer((conn) => this.pass(conn));
  private readonly conns = new Set<net.Socket>();

  constructor(readonly path: string, private readonly target: string) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  /** Commands that change HAProxy (anything but `show ...`), each of a `;` chain on its own. */
  writes(since = 0): TappedCommand[] {
    return this.commands
      .filter((c) => c.at >= since)
      .flatMap((c) => c.command.split(';').map((part) => ({ at: c.at, command: part.trim() })))
      .filter((c) => c.command !== '' && !/^show\b/.test(c.command));
  }

  private pass(conn: net.Socket): void {
    const up = net.connect(this.target);
    this.conns.add(conn).add(up);
    let line = '';
    conn.on('data', (d: Buffer) => {
      line += d.toString('utf8');
      let nl: number;
      while ((nl = line.indexOf('\n')) >= 0) {
        this.commands.push({ at: Date.now(), command: line.slice(0, nl) });
        line = line.slice(nl + 1);
      }
      up.write(d);
    });
    conn.on('end', () => up.end());
    up.pipe(conn);
    const close = () => {
      conn.destroy();
      up.destroy();
      this.conns.delete(conn);
      this.conns.delete(up);
    };
    conn.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.path, { force: true });
  }
}
