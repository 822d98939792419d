import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from './ports.js';

/** A real php-fpm 8.2 with one TCP pool and one unix-socket pool, both with ping and status pages. */
export interface PhpFpm {
  port: number;
  socket: string;
  /** A script that sleeps `?s` seconds (default 3), for holding workers busy. */
  sleepScript: string;
  stop(): Promise<void>;
}

export interface PhpFpmOptions {
  /** The TCP pool's `pm.status_listen` port (php-fpm answers the status page there from its own process). */
  statusListen?: number;
}

export const PHP_FPM_BIN = process.env.PHP_FPM_BIN ?? 'php-fpm8.2';

export async function startPhpFpm(port: number, opts: PhpFpmOptions = {}): Promise<PhpFpm> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-fpm-'));
  // The workers run as www-data and must read the script.
  chmodSync(dir, 0o755);
  const sleepScript = path.join(dir, 'sleep.php');
  writeFileSync(sleepScript, '<?php sleep((int)($_GET["s"] ?? 3)); echo "slept";\n');
  const socket = path.join(dir, 'fpm.sock');
  const statusListen = (name: string) => (name === 'tcp' && opts.statusListen ? `pm.status_listen = 127.0.0.1:${opts.statusListen}\n` : '');
  const pool = (name: string, listen: string) => `[${name}]
user = www-data
group = www-data
listen = ${listen}
listen.mode = 0666
pm = static
pm.max_children = 2
ping.path = /ping
ping.response = pong
pm.status_path = /status
${statusListen(name)}`;
  const conf = path.join(dir, 'fpm.conf');
  writeFileSync(conf, `[global]\npid = ${dir}/fpm.pid\nerror_log = ${dir}/fpm.log\ndaemonize = no\n\n${pool('tcp', `127.0.0.1:${port}`)}\n${pool('unix', socket)}`);
  const child: ChildProcess = spawn(PHP_FPM_BIN, ['-F', '-y', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('php-fpm to listen', async () => {
    if (child.exitCode !== null) throw new Error(`php-fpm exited with ${child.exitCode}`);
    if (!existsSync(socket)) return undefined;
    return new Promise<boolean | undefined>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(undefined));
    });
  });
  return {
    port,
    socket,
    sleepScript,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
