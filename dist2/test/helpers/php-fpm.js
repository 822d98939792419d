import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from './ports.js';
export const PHP_FPM_BIN = process.env.PHP_FPM_BIN ?? 'php-fpm8.2';
export async function startPhpFpm(port) {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-fpm-'));
    const socket = path.join(dir, 'fpm.sock');
    const pool = (name, listen) => `[${name}]
user = www-data
group = www-data
listen = ${listen}
listen.mode = 0666
pm = static
pm.max_children = 2
ping.path = /ping
ping.response = pong
pm.status_path = /status
`;
    const conf = path.join(dir, 'fpm.conf');
    writeFileSync(conf, `[global]\npid = ${dir}/fpm.pid\nerror_log = ${dir}/fpm.log\ndaemonize = no\n\n${pool('tcp', `127.0.0.1:${port}`)}\n${pool('unix', socket)}`);
    const child = spawn(PHP_FPM_BIN, ['-F', '-y', conf], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor('php-fpm to listen', async () => {
        if (child.exitCode !== null)
            throw new Error(`php-fpm exited with ${child.exitCode}`);
        if (!existsSync(socket))
            return undefined;
        return new Promise((resolve) => {
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
        async stop() {
            child.kill('SIGTERM');
            await exited;
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
//# sourceMappingURL=php-fpm.js.map