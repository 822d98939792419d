import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from './ports.js';
import { encodeRequest } from '../../src/probes/fastcgi.js';

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

/**
 * `n` requests to the sleep script sleeping `seconds`, each on its own
 * connection to the TCP pool: with pm.max_children 2 the rest wait in the
 * pool's accept queue. php-fpm runs a request it has read in full even when
 * the client is gone, so close() only frees the client side: the pool drains
 * in about ceil(n / 2) * seconds.
 */
export function saturatePhpFpm(fpm: PhpFpm, n: number, seconds: number): { close(): void } {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ host: '127.0.0.1', port: fpm.port }, () =>
      s.write(encodeRequest(1, { GATEWAY_INTERFACE: 'FastCGI/1.0', REQUEST_METHOD: 'GET', SCRIPT_FILENAME: fpm.sleepScript, SCRIPT_NAME: '/sleep.php', QUERY_STRING: `s=${seconds}`, SERVER_PROTOCOL: 'HTTP/1.1' })),
    );
    s.on('error', () => {});
    s.resume();
    sockets.push(s);
  }
  return { close: () => sockets.forEach((s) => s.destroy()) };
}
